// Audit form: show_if questions appear and disappear as answers change (the server applies the
// same rule on submit), and drafts save themselves every 30 seconds and on leaving a field.
(function () {
  "use strict";
  var form = document.getElementById("audit-form");
  if (!form) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll(".question[data-question]"));

  function answerOf(id) {
    var inputs = form.querySelectorAll('[name="q_' + id + '"]');
    var values = [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value !== "") {
        values.push(input.value);
      }
    });
    if (inputs.length && inputs[0].type === "checkbox") { return values; }
    return values.length ? values[0] : null;
  }

  function blank(value) {
    return value === null || value === "" || (Array.isArray(value) && value.length === 0);
  }

  function holds(condition, answers) {
    if (condition.all) { return condition.all.every(function (c) { return holds(c, answers); }); }
    if (condition.any) { return condition.any.some(function (c) { return holds(c, answers); }); }
    var value = answers[condition.question];
    if (value === undefined) { value = null; }
    if (condition.answered !== undefined) { return !blank(value) === condition.answered; }
    var values = Array.isArray(value) ? value : [value];
    if (condition.equals !== undefined) { return values.indexOf(condition.equals) !== -1; }
    if (condition["in"] !== undefined) {
      return values.some(function (v) { return condition["in"].indexOf(v) !== -1; });
    }
    if (blank(value)) { return false; }
    return !values.some(function (v) { return (condition.not_in || []).indexOf(v) !== -1; });
  }

  function applyShowIf() {
    var answers = {};
    questions.forEach(function (element) {
      var rule = element.getAttribute("data-show-if");
      var shown = !rule || holds(JSON.parse(rule), answers);
      element.hidden = !shown;
      if (shown) { answers[element.getAttribute("data-question")] = answerOf(element.getAttribute("data-question")); }
    });
  }

  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var version = document.getElementById("audit-version");
  var dirty = false;
  var stopped = false;
  var inflight = false;  // One save at a time: each must carry the version the last one returned.
  var timer = null;

  function values() {
    var out = {};
    var data = new FormData(form);
    data.forEach(function (value, key) {
      if (key === "csrf_token" || key === "version") { return; }
      var field = form.querySelector('[name="' + key + '"]');
      var many = field && field.type === "checkbox" && key.indexOf("q_") === 0;
      if (many) { (out[key] = out[key] || []).push(value); } else { out[key] = value; }
    });
    return out;
  }

  var signedOut = false;

  function say(text) { if (status) { status.textContent = text; } }

  // A problem the auditor must act on: announced at once, with a link where one helps (the sign-in
  // page opens in a new tab, so this page and everything typed on it stay as they are).
  function sayAlert(text, href) {
    if (!status) { return; }
    status.setAttribute("role", "alert");
    status.textContent = text + " ";
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "Sign in again in a new tab, then press Save draft here.";
      status.appendChild(link);
    }
  }

  function save() {
    if (!url || stopped || submitting || !dirty || inflight) { return; }
    inflight = true;
    dirty = false;
    var token = form.querySelector('[name="csrf_token"]').value;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ version: Number(version.value), values: values() })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (result.body.ok) {
        version.value = result.body.version;
        document.dispatchEvent(new CustomEvent("qa:session-renewed"));  // For the timeout warning.
        var at = new Date(result.body.saved_at);
        say("Saved at " + at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }) + ".");
      } else if (result.body.signed_out) {
        // Signed out (idle timeout): keep the changes, stop retrying, say how to get back.
        dirty = true;
        signedOut = true;
        stopped = true;
        sayAlert(result.body.message || "You have been signed out.",
                 "/login?next=" + encodeURIComponent(window.location.pathname));
      } else if (result.body.expired) {
        // The page's form token is stale (signed in again elsewhere): Save draft shows the form
        // again with every answer and a fresh token.
        dirty = true;
        stopped = true;
        sayAlert(result.body.message || "This page is out of date: use Save draft to keep your answers.");
      } else {
        stopped = result.status === 409;
        say(result.body.message || "Could not save. Use Save draft.");
      }
    }).catch(function () {
      dirty = true;
      say("Not saved: the connection was lost. Your answers are still on this page; it will try again.");
    }).then(function () {
      inflight = false;
      if (pendingSubmit) {
        // Save draft or Submit was pressed while this save was on its way: send it now, with
        // the version this save returned (sending the older one would look like an edit conflict).
        var button = pendingSubmit;
        pendingSubmit = null;
        submitting = true;
        if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
        return;
      }
      if (dirty && !stopped) { save(); }  // Changes made while saving go in the next save.
    });
  }

  var pendingSubmit = null;
  var submitting = false;
  form.addEventListener("submit", function (event) {
    if (submitting || !inflight) { submitting = true; return; }
    event.preventDefault();
    pendingSubmit = event.submitter || form.querySelector('button[type="submit"]');
    say("Finishing the last automatic save…");
  });

  form.addEventListener("change", function () {
    applyShowIf();
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("focusout", function () { if (dirty) { save(); } });
  window.setInterval(save, 30000);
  // Leaving the page with changes not yet saved (or a save still on its way): send them now.
  // A beacon survives the page closing; it is form-encoded so the CSRF token goes with it.
  window.addEventListener("beforeunload", function (event) {
    // Signed out with changes not yet saved: the beacon would be refused, so ask first.
    if (signedOut && dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("pagehide", function () {
    if (!url || stopped || signedOut || submitting || !(dirty || inflight) || !navigator.sendBeacon) { return; }
    var body = new FormData();
    body.append("csrf_token", form.querySelector('[name="csrf_token"]').value);
    body.append("payload", JSON.stringify({ version: Number(version.value), values: values(), latest: true }));
    navigator.sendBeacon(url, body);
  });
  applyShowIf();
})();
