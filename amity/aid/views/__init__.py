"""Aid pages, by area: stock (catalogue, stock, pledges), shipping (requests,
shipments, receipts) and papers (PDFs, exports, thank-you letters)."""
