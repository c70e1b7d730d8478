// Warn before the session times out, with a button to stay signed in (WCAG 2.2.1, Timing
// adjustable; the GOV.UK "timeout warning" pattern). The server ends a session unused for
// data-idle-timeout-minutes; every request renews it. Tabs of the same browser share the time
// of the last visit, so a tab left open does not warn while another is in use.
(function () {
  "use strict";
  var body = document.body;
  var minutes = Number(body.getAttribute("data-idle-timeout-minutes"));
  var dialog = document.getElementById("timeout-dialog");
  if (!minutes || !dialog || typeof dialog.showModal !== "function") { return; }

  var MINUTE = 60 * 1000;
  var WARNING = 2 * MINUTE;
  // The server notes a visit at most once a minute, so its clock may have started up to a
  // minute before this page loaded: count a minute short, so the warning is never late.
  var LIFETIME = minutes * MINUTE - MINUTE;
  var KEY = "qa-toolkit-last-visit";
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  var title = document.getElementById("timeout-title");
  var text = document.getElementById("timeout-text");
  var countdown = document.getElementById("timeout-countdown");
  var spoken = document.getElementById("timeout-spoken");
  var stay = document.getElementById("timeout-stay");
  var signedOut = document.getElementById("timeout-signed-out");
  var warning = document.getElementById("timeout-warning");
  var lastVisit = Date.now();
  var timer = null;
  var ticker = null;
  var returnFocus = null;
  var ended = false;

  function shared() {
    try { return Number(window.localStorage.getItem(KEY)) || 0; } catch (e) { return 0; }
  }
  function share(at) {
    try { window.localStorage.setItem(KEY, String(at)); } catch (e) { /* private mode */ }
  }
  function endsAt() { return Math.max(lastVisit, shared()) + LIFETIME; }

  function inWords(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    var parts = [];
    if (m) { parts.push(m + (m === 1 ? " minute" : " minutes")); }
    if (s || !m) { parts.push(s + (s === 1 ? " second" : " seconds")); }
    return parts.join(" ");
  }
  // Said by screen readers at whole minutes and at 30 seconds, not every second.
  function spokenWords(ms) {
    if (ms > MINUTE) { return inWords(Math.ceil(ms / MINUTE) * MINUTE); }
    return ms > 30000 ? "1 minute" : "30 seconds";
  }

  function schedule() {
    window.clearTimeout(timer);
    var wait = endsAt() - WARNING - Date.now();
    timer = window.setTimeout(check, Math.max(0, wait));
  }

  function check() {
    var left = endsAt() - Date.now();
    if (left > WARNING) {  // Another tab was used meanwhile.
      if (dialog.open) { close(); }
      schedule();
      return;
    }
    if (left <= 0) { end(); return; }
    if (!dialog.open) { open(); }
    countdown.textContent = inWords(left);
    var said = "We will sign you out in " + spokenWords(left) + ".";
    if (spoken.textContent !== said) { spoken.textContent = said; }
  }

  function open() {
    returnFocus = document.activeElement;
    warning.hidden = false;
    signedOut.hidden = true;
    dialog.showModal();
    dialog.focus();
    window.clearInterval(ticker);
    ticker = window.setInterval(check, 1000);
  }

  function close() {
    window.clearInterval(ticker);
    dialog.close();
    if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
  }

  function end() {
    ended = true;
    window.clearInterval(ticker);
    window.clearTimeout(timer);
    if (!dialog.open) { returnFocus = document.activeElement; dialog.showModal(); }
    title.textContent = "You have been signed out";
    warning.hidden = true;
    signedOut.hidden = false;
    spoken.textContent = "";
    text.textContent = "You were signed out because the service was not used for " +
      minutes + " minutes. What you typed on this page is still here: copy anything not yet " +
      "saved before you sign in again.";
    dialog.focus();
  }

  function keepAlive() {
    stay.disabled = true;
    fetch(keepAliveUrl, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        stay.disabled = false;
        if (response.type === "opaqueredirect" || !response.ok) { end(); return; }
        lastVisit = Date.now();
        share(lastVisit);
        close();
        schedule();
      })
      .catch(function () {
        stay.disabled = false;
        spoken.textContent = "Could not reach the service. Check your connection and try again.";
      });
  }

  stay.addEventListener("click", keepAlive);
  // Escape means "stay signed in", as in the GOV.UK pattern; once signed out it just closes.
  dialog.addEventListener("cancel", function (event) {
    if (ended) { return; }
    event.preventDefault();
    keepAlive();
  });
  // A request made without loading a page (an audit's autosave) renews the session too: a
  // script that makes one says so with this event.
  document.addEventListener("qa:session-renewed", function () {
    if (ended) { return; }
    lastVisit = Date.now();
    share(lastVisit);
    if (dialog.open) { close(); }
    schedule();
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY && !ended) { check(); }
  });
  share(lastVisit);
  schedule();
})();
