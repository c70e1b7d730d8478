// On every page: move focus to the error summary when a form comes back with problems, so a
// screen-reader user hears it and a keyboard user can follow its links (GOV.UK pattern).
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
})();
