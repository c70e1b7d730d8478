// On every page, small enhancements in the GOV.UK Design System's manner; each page works
// without them.
(function () {
  "use strict";

  // A form sent back with problems: focus the error summary, so a screen-reader user hears it
  // and a keyboard user can follow its links. A link moves focus to its field and scrolls the
  // field's label (or its group's legend) into view with it, not just the input.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) { return; }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      if (!target.matches("input, select, textarea, button, [tabindex]")) {
        target = target.querySelector("input:not([type=hidden]), select, textarea") || target;
      }
      var legend = target.closest("fieldset") && target.closest("fieldset").querySelector("legend");
      var label = (target.id && document.querySelector("label[for='" + target.id + "']")) || null;
      var heading = legend || label || target;
      event.preventDefault();
      heading.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  // Tables scroll inside a wrapper rather than widening the page. Tables not yet wrapped are
  // wrapped here; a wrapper that overflows becomes a focusable, named region so that it can be
  // scrolled with the arrow keys, and stops being one when it no longer overflows.
  var wrappers = [];
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var wrapper = table.parentElement;
    if (!wrapper.classList.contains("table-scroll")) {
      wrapper = document.createElement("div");
      wrapper.className = "table-scroll";
      table.parentNode.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    }
    if (wrappers.indexOf(wrapper) === -1) { wrappers.push(wrapper); }
  });
  function nameOf(wrapper) {
    var caption = wrapper.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var heading = wrapper.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
    return heading ? heading.textContent.trim() : "Table";
  }
  function fitTables() {
    wrappers.forEach(function (wrapper) {
      var overflows = wrapper.scrollWidth > wrapper.clientWidth + 1;
      if (overflows && !wrapper.hasAttribute("tabindex")) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("data-made-focusable", "");
        if (!wrapper.hasAttribute("role")) { wrapper.setAttribute("role", "region"); }
        if (!wrapper.hasAttribute("aria-label")) {
          wrapper.setAttribute("aria-label", nameOf(wrapper) + " (scrolls sideways)");
        }
      } else if (!overflows && wrapper.hasAttribute("data-made-focusable")) {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("data-made-focusable");
      }
    });
  }
  fitTables();
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(fitTables, 100);
  });

  // Long work says what is happening: a form or link with data-busy-message shows it, in a
  // status region made when the page loads (a live region must exist before it changes), and a
  // form cannot be sent twice while the first is on its way.
  Array.prototype.forEach.call(document.querySelectorAll("[data-busy-message]"), function (element) {
    var status = document.createElement(element.tagName === "FORM" ? "p" : "span");
    status.className = "busy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var anchor = element.tagName === "FORM"
      ? (element.querySelector("[type=submit]") || element.lastElementChild)
      : element;
    anchor.parentNode.insertBefore(status, anchor.nextSibling);
    var message = element.getAttribute("data-busy-message");
    if (element.tagName === "FORM") {
      var sending = false;
      element.addEventListener("submit", function (event) {
        if (sending) { event.preventDefault(); return; }
        sending = true;
        status.textContent = message;
        // Disabled after this turn, so the button's own name and value still go with the form.
        window.setTimeout(function () {
          Array.prototype.forEach.call(element.querySelectorAll("[type=submit]"), function (b) {
            b.disabled = true;
            b.setAttribute("aria-disabled", "true");
          });
        }, 0);
      });
      // Back to this page from the next one: it can be used again.
      window.addEventListener("pageshow", function (event) {
        if (!event.persisted) { return; }
        sending = false;
        status.textContent = "";
        Array.prototype.forEach.call(element.querySelectorAll("[type=submit]"), function (b) {
          b.disabled = false;
          b.removeAttribute("aria-disabled");
        });
      });
    } else {
      // A download: the page stays, so the message goes once the file has had time to arrive.
      element.addEventListener("click", function () {
        status.textContent = message;
        window.setTimeout(function () {
          status.textContent = element.getAttribute("data-busy-done") || "";
        }, 15000);
      });
    }
  });
})();
