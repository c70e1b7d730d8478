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

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (!url || stopped || !dirty || inflight) { return; }
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
        var at = new Date(result.body.saved_at);
        say("Saved at " + at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }) + ".");
      } else {
        stopped = result.status === 409;
        say(result.body.message || "Could not save. Use Save draft.");
      }
    }).catch(function () {
      dirty = true;
      say("Not saved: the connection was lost. Your answers are still on this page; it will try again.");
    }).then(function () {
      inflight = false;
      if (dirty && !stopped) { save(); }  // Changes made while saving go in the next save.
    });
  }

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
  window.addEventListener("pagehide", function () {
    if (!url || stopped || !(dirty || inflight) || !navigator.sendBeacon) { return; }
    var body = new FormData();
    body.append("csrf_token", form.querySelector('[name="csrf_token"]').value);
    body.append("payload", JSON.stringify({ version: Number(version.value), values: values(), latest: true }));
    navigator.sendBeacon(url, body);
  });
  applyShowIf();
})();
