/* Letters: keep Send from being pressed twice, and keep a campaign's progress up to date.
   Amity's own script, no library. The server sends a campaign once whatever happens; this
   only spares the person a second wait. */
(function () {
  "use strict";

  document.querySelectorAll("form.send-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (button) {
        // Disabled after the submit has started, so the click still counts once.
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  var box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.done === "true") {
    return;
  }
  var url = box.dataset.progressUrl;
  var delay = 2000;

  function show(counts) {
    var values = {
      total: counts.total,
      sent: counts.sent,
      queued: counts.queued + counts.sending,
      retrying: counts.retrying,
      failed: counts.failed,
      pdf: counts.pdf
    };
    Object.keys(values).forEach(function (key) {
      var cell = box.querySelector('[data-count="' + key + '"]');
      if (cell) { cell.textContent = String(values[key]); }
    });
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (counts) {
        show(counts);
        if (counts.done) {
          // Every letter has its final state: load the table of states once more.
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, delay * 3); });
  }

  window.setTimeout(poll, delay);
})();
