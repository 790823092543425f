"""A shipment's papers as PDF: the packing list and the pro-forma invoice for customs.

Both are bilingual on the same page, English then Chinese ("Packing list / 装箱单"):
customs abroad read English, the office and Chinese export customs read Chinese. Their
wording is therefore fixed, not run through gettext — a paper reads the same whoever
prints it, as certificates do. Names come in both languages where the catalogue and the
directory have them.

``shipment_papers`` gathers what the papers say (a handful of queries); ``packing_list``
and ``proforma_invoice`` draw it with ReportLab and ``amity.core.pdf``'s fonts, so that
Chinese renders. The shipper is the home hospital (``relations.pdf``'s letterhead and
its ``AMITY_LETTERHEAD_ADDRESS``).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone

from amity.aid.models import Item, Shipment, ShipmentStatus
from amity.core.pdf import pdf_fonts
from amity.directory.models import Institution
from amity.relations.pdf import BRAND, letterhead_address, letterhead_institution

UNIT_LABEL = {"piece": "pcs", "pair": "pairs", "set": "sets"}


def _unit_label(item: Item) -> str:
    """ "pcs / 只": the English unit and the item's own Chinese measure word (只 for masks,
    件 for gowns), which the unit alone cannot tell."""
    return f"{UNIT_LABEL.get(item.unit, item.unit)} / {item.measure}"


DONATION = "Donation — no commercial value / 捐赠物资，无商业价值"
ORIGIN = "China / 中国"
DECLARATION_EN = (
    "We declare that the goods listed above are a donation, given free of charge, of no "
    "commercial value and not for resale. Values are declared for customs purposes only. "
    "Country of origin of all goods: China."
)
DECLARATION_ZH = (
    "兹声明：上列物资为无偿捐赠，无商业价值，不得转售；所列价值仅供海关申报之用。"
    "全部物资原产国：中国。"
)


@dataclass(frozen=True)
class PaperLine:
    """Units of one item from one lot in the shipment."""

    item: Item
    lot_number: str
    expires_on: date | None
    quantity: int

    @property
    def packs(self) -> str:
        """ "12 × box of 50" (and what is left over), or "" when the item is not packed."""
        if self.item.pack_size <= 1:
            return ""
        packs, rest = self.item.packs(self.quantity)
        pack = self.item.pack_name or "pack"
        text = f"{packs:,} × {pack} of {self.item.pack_size}" if packs else ""
        if rest:
            text = f"{text} + {rest:,}" if text else f"{rest:,}"
        if packs and self.item.pack_name_local:
            # The Chinese half for the customs officer at home: "8 × box of 50 / 8盒".
            text = f"{text} / {packs:,}{self.item.pack_name_local}"
        return text


@dataclass(frozen=True)
class ItemTotal:
    item: Item
    quantity: int

    @property
    def value(self) -> Decimal:
        return self.item.unit_value * self.quantity


@dataclass(frozen=True)
class Papers:
    shipment: Shipment
    day: date
    shipper: Institution | None
    shipper_address: str
    consignees: list[tuple[str, str, str]]  # (consignee, phone, delivery address)
    lines: list[PaperLine]
    items: list[ItemTotal]
    parcels: list

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_value(self) -> Decimal:
        return sum((total.value for total in self.items), Decimal("0"))

    @property
    def total_weight(self) -> Decimal:
        return sum((parcel.weight_kg for parcel in self.parcels), Decimal("0"))


def shipment_papers(shipment: Shipment) -> Papers:
    """What the papers of ``shipment`` say: lines per item and lot, totals per item,
    parcels, and the consignees and addresses of its requests."""
    allocations = shipment.allocations.select_related("line__item", "lot").order_by(
        "line__item__name", "lot__expires_on", "lot__lot_number", "pk"
    )
    by_lot: dict[tuple[int, int], int] = defaultdict(int)
    lots, items = {}, {}
    for allocation in allocations:
        by_lot[(allocation.line.item_id, allocation.lot_id)] += allocation.quantity
        lots[allocation.lot_id] = allocation.lot
        items[allocation.line.item_id] = allocation.line.item
    lines = [
        PaperLine(items[item_id], lots[lot_id].lot_number, lots[lot_id].expires_on, quantity)
        for (item_id, lot_id), quantity in by_lot.items()
    ]
    per_item: dict[int, int] = defaultdict(int)
    for line in lines:
        per_item[line.item.pk] += line.quantity
    consignees = list(
        dict.fromkeys(
            (r.consignee, r.consignee_phone, r.delivery_address)
            for r in shipment.requests.order_by("pk")
        )
    )
    shipped = shipment.events.filter(status=ShipmentStatus.SHIPPED).order_by("on").first()
    home = letterhead_institution()
    return Papers(
        shipment=shipment,
        day=shipped.on if shipped else timezone.localdate(shipment.created_at),
        shipper=home,
        shipper_address=letterhead_address(home),
        consignees=consignees,
        lines=lines,
        items=[ItemTotal(items[pk], quantity) for pk, quantity in per_item.items()],
        parcels=list(shipment.parcels.order_by("pk")),
    )


# --- drawing -------------------------------------------------------------------------------

_CJK_RUN = re.compile(r"([\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\uf900-\ufaff]+)")


def _markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup for ``text`` with its Chinese runs in the CJK font and the rest
    in Helvetica (whose Latin letters look better than the Song face's)."""
    fonts = pdf_fonts()
    parts = []
    for index, part in enumerate(_CJK_RUN.split(text)):
        if not part:
            continue
        safe = escape(part).replace("\n", "<br/>")
        parts.append(f'<font name="{fonts.cjk}">{safe}</font>' if index % 2 else safe)
    markup = "".join(parts)
    return f"<b>{markup}</b>" if bold else markup


def _styles():
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    fonts = pdf_fonts()
    body = ParagraphStyle("body", fontName=fonts.latin, fontSize=9, leading=12.5, wordWrap="CJK")
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        "title": ParagraphStyle(
            "title", parent=body, fontName=fonts.latin_bold, fontSize=15, leading=20
        ),
        "banner": ParagraphStyle(
            "banner", parent=body, fontName=fonts.latin_bold, fontSize=11, leading=15
        ),
    }


def _p(text: str, style, *, bold: bool = False):
    from reportlab.platypus import Paragraph

    return Paragraph(_markup(text, bold=bold), style)


def _institution_block(institution: Institution | None, address: str) -> str:
    if institution is None:
        return address
    names = [institution.name]
    if institution.name_local:
        names.append(institution.name_local)
    if address:
        names.append(address)
    return "\n".join(names)


def _consignee_block(papers: Papers) -> str:
    institution = papers.shipment.institution
    lines = [institution.name]
    if institution.name_local:
        lines.append(institution.name_local)
    for consignee, phone, address in papers.consignees:
        lines.append(f"Attn. / 收货人：{consignee}" + (f", {phone}" if phone else ""))
        lines.append(address)
    return "\n".join(lines)


def _header_table(rows: list[tuple[str, str]], styles):
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    data = [
        [_p(label.replace(" / ", "\n"), styles["small"], bold=True), _p(value, styles["body"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[48 * mm, 118 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, (0.8, 0.8, 0.8)),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _grid(
    header: list[str], rows: list[list[str]], widths, styles, *, totals: list[str] | None = None
):
    from reportlab.platypus import Table, TableStyle

    # A heading gives each language a line of its own rather than breaking a word.
    data = [[_p(text.replace(" / ", "\n"), styles["small"], bold=True) for text in header]]
    for row in rows:
        data.append([_p(str(text), styles["small"]) for text in row])
    if totals is not None:
        data.append([_p(str(text), styles["small"], bold=True) for text in totals])
    table = Table(data, colWidths=widths, repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, (0.55, 0.55, 0.55)),
        ("BACKGROUND", (0, 0), (-1, 0), (0.9, 0.94, 0.94)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if totals is not None:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), (0.95, 0.95, 0.95)))
    table.setStyle(TableStyle(commands))
    return table


def _both_names(item: Item) -> str:
    return f"{item.name}\n{item.name_local}" if item.name_local else item.name


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _common_header(papers: Papers) -> list[tuple[str, str]]:
    shipment = papers.shipment
    tracking = " · ".join(p for p in (shipment.carrier, shipment.tracking_number) if p)
    return [
        ("Shipment reference / 发货编号", shipment.reference),
        ("Date / 日期", papers.day.isoformat()),
        ("Shipper / 发货人", _institution_block(papers.shipper, papers.shipper_address)),
        ("Consignee and delivery address / 收货人及收货地址", _consignee_block(papers)),
        ("Carrier and tracking number / 承运人及运单号", tracking or "—"),
    ]


def _build(story: list, *, title: str, papers: Papers) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    fonts = pdf_fonts()
    home = papers.shipper
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{title} {papers.shipment.reference}",
        author=home.name if home else "Amity",
    )

    def on_page(canvas, document):
        width, _height = A4
        canvas.saveState()
        canvas.setStrokeColorRGB(*BRAND)
        canvas.line(22 * mm, 14 * mm, width - 22 * mm, 14 * mm)
        canvas.setFont(fonts.latin, 8)
        canvas.drawString(22 * mm, 10 * mm, f"{papers.shipment.reference} · {title}")
        canvas.drawRightString(width - 22 * mm, 10 * mm, str(document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def packing_list(papers: Papers) -> bytes:
    """The packing list: what is in the parcels, item by item and lot by lot."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    styles = _styles()
    story = [_p("Packing list / 装箱单", styles["title"]), Spacer(1, 4 * mm)]
    story.append(_header_table(_common_header(papers), styles))
    story += [Spacer(1, 6 * mm), _p("Parcels / 包裹", styles["banner"]), Spacer(1, 2 * mm)]
    parcel_rows = [
        [
            str(number),
            f"{parcel.weight_kg:,.2f}",
            f"{parcel.length_cm} × {parcel.width_cm} × {parcel.height_cm}",
        ]
        for number, parcel in enumerate(papers.parcels, start=1)
    ]
    story.append(
        _grid(
            ["No. / 箱号", "Weight (kg) / 重量（千克）", "Dimensions (cm) / 尺寸（厘米）"],
            parcel_rows,
            [30 * mm, 60 * mm, 76 * mm],
            styles,
            totals=[
                f"{len(papers.parcels)} parcels / 共{len(papers.parcels)}件",
                f"{papers.total_weight:,.2f}",
                "",
            ],
        )
    )
    story += [Spacer(1, 6 * mm), _p("Contents / 物资明细", styles["banner"]), Spacer(1, 2 * mm)]
    rows = [
        [
            str(number),
            # Customs abroad match each line to its HS code, as on the pro-forma invoice.
            _both_names(line.item) + (f"\nHS {line.item.hs_code}" if line.item.hs_code else ""),
            line.item.standard or "—",
            line.lot_number or "—",
            line.expires_on.isoformat() if line.expires_on else "—",
            f"{line.quantity:,} {_unit_label(line.item)}",
            line.packs or "—",
        ]
        for number, line in enumerate(papers.lines, start=1)
    ]
    story.append(
        _grid(
            [
                "No. / 序号",
                "Item / 物品",
                "Standard / 执行标准",
                "Lot / 批号",
                "Expiry / 有效期至",
                "Quantity / 数量",
                "Packs / 包装",
            ],
            rows,
            [12 * mm, 38 * mm, 26 * mm, 20 * mm, 20 * mm, 24 * mm, 26 * mm],
            styles,
            totals=["", "Total / 合计", "", "", "", f"{papers.total_units:,}", ""],
        )
    )
    return _build(story, title="Packing list", papers=papers)


def proforma_invoice(papers: Papers) -> bytes:
    """The pro-forma invoice customs ask for: a donation of no commercial value, each
    item with its HS code, the standard it meets, its quantity and declared value."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    styles = _styles()
    shipment = papers.shipment
    currency = shipment.currency
    story = [
        _p("Pro-forma invoice / 形式发票", styles["title"]),
        Spacer(1, 2 * mm),
        _p(DONATION, styles["banner"]),
        Spacer(1, 4 * mm),
    ]
    header = _common_header(papers)
    header[0] = ("Invoice number / 发票编号", f"PI-{shipment.reference}")
    header += [
        ("Country of origin / 原产国", ORIGIN),
        ("Currency / 币种", currency),
        ("Terms / 贸易条款", "Free of charge, donation / 无偿捐赠"),
    ]
    story.append(_header_table(header, styles))
    story += [Spacer(1, 6 * mm)]
    rows = [
        [
            str(number),
            _both_names(total.item),
            total.item.hs_code,
            total.item.standard or "—",
            f"{total.quantity:,} {_unit_label(total.item)}",
            _money(total.item.unit_value),
            _money(total.value),
        ]
        for number, total in enumerate(papers.items, start=1)
    ]
    story.append(
        _grid(
            [
                "No. / 序号",
                "Description / 品名",
                "HS code / 海关编码",
                "Standard met / 执行标准",
                "Quantity / 数量",
                f"Unit value ({currency}) / 单价",
                f"Total ({currency}) / 金额",
            ],
            rows,
            [12 * mm, 38 * mm, 22 * mm, 26 * mm, 22 * mm, 22 * mm, 24 * mm],
            styles,
            totals=[
                "",
                "Total declared value / 申报总值",
                "",
                "",
                f"{papers.total_units:,}",
                "",
                f"{currency} {_money(papers.total_value)}",
            ],
        )
    )
    story += [
        Spacer(1, 6 * mm),
        _p(DECLARATION_EN, styles["body"]),
        Spacer(1, 2 * mm),
        _p(DECLARATION_ZH, styles["body"]),
        Spacer(1, 14 * mm),
        _p(
            "Signature and stamp / 签字及盖章：______________________________",
            styles["body"],
        ),
        Spacer(1, 6 * mm),
        _p(
            "Name and position / 姓名及职务：______________________________"
            "    Date / 日期：______________",
            styles["body"],
        ),
    ]
    return _build(story, title="Pro-forma invoice", papers=papers)
