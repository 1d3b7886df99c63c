// Beacon's small behaviours; no inline scripts so the CSP needs no 'unsafe-inline'.
(function () {
  "use strict";

  function formatRemaining(ms) {
    const overdue = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60);
    const text = d > 0 ? `${d}d ${h}h ${m}m` : `${h}h ${m}m`;
    return overdue ? `overdue by ${text}` : `${text} left`;
  }

  // <span data-countdown="ISO-8601">server text</span> ticks every second in the browser.
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const due = Date.parse(el.dataset.countdown);
      if (Number.isNaN(due)) return;
      const ms = due - now;
      el.textContent = formatRemaining(ms);
      el.classList.toggle("countdown-overdue", ms < 0);
      el.classList.toggle("countdown-urgent", ms >= 0 && ms < 24 * 3600 * 1000);
    });
  }

  // <button data-confirm="Are you sure?"> asks before submitting an irreversible action.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Background refreshes (an element whose hx-trigger has an "every" clause, fired by its timer
  // or by a script rather than by the user's own click or keystroke) send X-Beacon-Poll: 1, so
  // the server does not count them as activity: a dashboard left open still signs out after the
  // idle timeout (accounts/middleware.py IdleTimeoutMiddleware).
  document.addEventListener("htmx:configRequest", (event) => {
    const trigger = event.detail.elt.getAttribute("hx-trigger") || "";
    const byUser = event.detail.triggeringEvent && event.detail.triggeringEvent.isTrusted;
    if (/(^|,)\s*every\s/.test(trigger) && !byUser) {
      event.detail.headers["X-Beacon-Poll"] = "1";
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
