/* The interface's only script besides htmx: countdowns, confirmations and the CSRF header for htmx.
   No inline scripts anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) { return; }
      var left = Math.floor((end - now) / 1000);
      if (left <= 0) { el.textContent = el.getAttribute("data-expired") || "0"; el.classList.add("expired"); return; }
      var units = (el.getAttribute("data-units") || "d,h,min").split(",");
      var d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600), m = Math.floor((left % 3600) / 60);
      var parts = [];
      if (d) { parts.push(d + " " + units[0]); }
      if (d || h) { parts.push(h + " " + units[1]); }
      parts.push(m + " " + units[2]);
      el.textContent = parts.join(" ");
      el.classList.toggle("soon", left < 86400);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
  });
  document.addEventListener("htmx:afterSwap", tick);

  /* forms and buttons that ask before they act: data-confirm="question" */
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  /* htmx requests that change state carry the page's CSRF token */
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.getAttribute("content"); }
  });
})();
