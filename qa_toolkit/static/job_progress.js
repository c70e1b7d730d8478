// A job's progress page: asks the server for the job's state every few seconds and updates the
// status, the progress bar and the message in place (announced through the role="status"
// message), rather than reloading the whole page, which would move a screen reader's place. When
// the job has finished the page is loaded once more to show its result. Without script the page
// says so and offers a link to check again.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.getAttribute("data-job-finished") === "yes") { return; }
  var url = job.getAttribute("data-job-url");
  var seconds = parseInt(job.getAttribute("data-job-interval"), 10) || 3;
  var status = document.getElementById("job-status");
  var row = document.getElementById("job-progress-row");
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var message = document.getElementById("job-message");

  function update(state) {
    if (state.finished) { window.location.reload(); return; }
    if (status.textContent !== state.status_label && state.status_label) {
      status.textContent = state.status_label;
    }
    if (state.total) {
      row.hidden = false;
      bar.max = state.total;
      bar.value = state.done || 0;
      text.textContent = (state.done || 0) + " of " + state.total;
    }
    if (state.message && message.textContent !== state.message) {
      message.textContent = state.message;
    }
    window.setTimeout(poll, seconds * 1000);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { update(state); } })
      .catch(function () { window.setTimeout(poll, seconds * 4000); });
  }

  window.setTimeout(poll, seconds * 1000);
})();
