// Tell the server the browser's time zone once, so times are shown in it. The choice
// can be changed with the time-zone form on any page; an explicit choice is never
// overwritten here.
(function () {
  "use strict";
  // Forms asking for the person's own zone (registration) start with the browser's.
  document.addEventListener("DOMContentLoaded", function () {
    var browserZone;
    try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    document.querySelectorAll("input[data-fill-zone]").forEach(function (input) {
      if (!input.value && browserZone) { input.value = browserZone; }
    });
  });
})();
(function () {
  "use strict";
  var cookie = "amity_tz";
  var has = document.cookie.split("; ").some(function (c) { return c.indexOf(cookie + "=") === 0; });
  if (has) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = cookie + "=" + zone + "; Max-Age=31536000; Path=/; SameSite=Lax" + secure;
  var shown = document.documentElement.getAttribute("data-viewer-zone");
  if (shown && shown !== zone && document.querySelector("time[datetime]")) { location.reload(); }
})();
