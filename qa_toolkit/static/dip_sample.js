// The dip-sample form: show only the fields of the chosen size rule. Without this script the
// page shows every rule's fields, each under a line saying which rule it is for, and works
// the same (the server reads only the chosen rule's fields).
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[name='size_method']");
  var panels = document.querySelectorAll("[data-size-rules]");
  if (!radios.length || !panels.length) { return; }
  function chosen() {
    for (var i = 0; i < radios.length; i += 1) {
      if (radios[i].checked) { return radios[i].value; }
    }
    return null;
  }
  function show() {
    var rule = chosen();
    Array.prototype.forEach.call(panels, function (panel) {
      var rules = panel.getAttribute("data-size-rules").split(" ");
      // A field sent back with an error stays in view, so the error summary's link finds it.
      var inError = panel.querySelector(".form-group-error") !== null;
      panel.hidden = rules.indexOf(rule) === -1 && !inError;
    });
  }
  Array.prototype.forEach.call(radios, function (radio) {
    var controls = [];
    Array.prototype.forEach.call(panels, function (panel) {
      if (panel.getAttribute("data-size-rules").split(" ").indexOf(radio.value) !== -1) {
        controls.push(panel.id);
      }
    });
    radio.setAttribute("aria-controls", controls.join(" "));
    radio.addEventListener("change", show);
  });
  document.documentElement.classList.add("size-rules-js");
  show();
}());
