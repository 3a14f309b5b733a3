// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Live character counters: the server renders "n / max"; this keeps it current between checks.
  function updateCounter(input) {
    var counter = document.querySelector('[data-counter-for="' + input.id + '"]');
    var max = parseInt(input.getAttribute("data-counter-max"), 10);
    if (!counter || !max) return;
    var length = input.value.trim().length;
    counter.textContent = length + " / " + max;
    counter.classList.toggle("over", length > max);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-counter-max]")) {
      updateCounter(event.target);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    document.querySelectorAll("[data-counter-max]").forEach(updateCounter);
    // A live check's verdict also marks the field: red border and aria-invalid follow it.
    var feedback = event.target;
    if (!feedback.classList || !feedback.classList.contains("feedback")) return;
    var row = feedback.closest(".field");
    var invalid = !!feedback.querySelector("[data-invalid]");
    if (row) row.classList.toggle("has-error", invalid);
    if (row) row.querySelectorAll("input, textarea, select").forEach(function (input) {
      if (invalid) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  });

  // Device sign-in countdown: the server renders the seconds left; tick between its updates.
  setInterval(function () {
    document.querySelectorAll(".countdown[data-seconds]").forEach(function (el) {
      var left = Math.max(0, parseInt(el.dataset.seconds, 10) - 1);
      el.dataset.seconds = String(left);
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    });
  }, 1000);

  // Copy buttons: shown only where this script runs; they copy the text of their target.
  function showCopyButtons(root) {
    (root || document).querySelectorAll("button[data-copy][hidden]").forEach(function (b) {
      b.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:load", function (event) { showCopyButtons(event.target.parentNode); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
    } else {
      selectText(target);
    }
  });
  // Without clipboard access, select the text so Ctrl+C copies it.
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // "Select all" boxes (shown only with this script) tick every box of their field.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      var name = all.getAttribute("data-select-all");
      all.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
  // Many ticked boxes travel as one newline-separated field: no form-field limit applies.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var name = form.getAttribute("data-collapse-field");
    var into = name && form.querySelector('input[name="' + form.getAttribute("data-collapse-into") + '"]');
    if (!into) return;
    var ticked = form.querySelectorAll('input[type=checkbox][name="' + name + '"]:checked');
    into.value = Array.prototype.map.call(ticked, function (box) { return box.value; }).join("\n");
    ticked.forEach(function (box) { box.disabled = true; });
  }, true);

  // A form with data-confirm asks first (capture: before anything else sees the submit).
  // Without this file it posts at once, as every form here works without JavaScript.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Plain (non-htmx) forms: one submit only, so a double click can't send twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-disable-on-submit")) return;
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
})();
