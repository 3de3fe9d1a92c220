/* The article form laid out for writing (articles/admin/articles.py): the body's live word count and
 * reading time, counted as the site counts them (Article.reading_minutes: words split on white space,
 * data-words-per-minute a minute, rounded half to even as Python does, at least one), the preview as a
 * named, focusable region, and Tab leaving the Markdown editors (markdownx would indent instead, which
 * traps keyboard users; Ctrl+] and Ctrl+[ still indent), and the autocomplete boxes (select2) named by their
 * field's label, which select2 leaves unnamed while nothing is chosen. */
(function () {
  "use strict";

  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(value) {
    var floor = Math.floor(value);
    var rest = value - floor;
    if (rest > 0.5) return floor + 1;
    if (rest < 0.5) return floor;
    return floor % 2 === 0 ? floor : floor + 1;
  }

  function countWords(text) {
    return text.split(/\s+/).filter(Boolean).length;
  }

  function describe(words, wordsPerMinute) {
    var minutes = Math.max(1, roundHalfEven(words / wordsPerMinute));
    return (
      words.toLocaleString("en") + (words === 1 ? " word" : " words") +
      ", about " + minutes + (minutes === 1 ? " minute" : " minutes") + " to read"
    );
  }

  function addStats(body) {
    var wordsPerMinute = Number(body.getAttribute("data-words-per-minute"));
    if (!wordsPerMinute) return;
    var stats = document.createElement("p");
    stats.id = "body-stats";
    stats.className = "writing-stats";
    // Not a live region: announcing it on every key would talk over the writer. It describes the body instead.
    var describedBy = body.getAttribute("aria-describedby");
    body.setAttribute("aria-describedby", (describedBy ? describedBy + " " : "") + stats.id);
    var update = function () {
      stats.textContent = describe(countWords(body.value), wordsPerMinute);
    };
    update();
    body.addEventListener("input", update);
    (body.closest(".markdownx") || body).insertAdjacentElement("afterend", stats);
  }

  function namePreviews() {
    var previews = document.querySelectorAll(".markdownx .markdownx-preview");
    for (var i = 0; i < previews.length; i++) {
      var preview = previews[i];
      var editor = preview.parentNode.querySelector(".markdownx-editor");
      var label = editor && editor.labels && editor.labels[0] ? editor.labels[0].textContent.replace(/:\s*$/, "") : "";
      preview.setAttribute("role", "region");
      preview.setAttribute("aria-label", "Preview" + (label ? " of " + label.toLowerCase() : ""));
      preview.setAttribute("tabindex", "0"); // it scrolls: keyboard users must be able to reach it
    }
  }

  function nameComboboxes() {
    var selects = document.querySelectorAll("select.admin-autocomplete");
    for (var i = 0; i < selects.length; i++) {
      var select = selects[i];
      var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
      var container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) continue;
      if (!label.id) label.id = select.id + "-label";
      var combobox = container.querySelector("[role=combobox]");
      if (combobox && (combobox.getAttribute("aria-labelledby") || "").indexOf(label.id) !== 0) {
        var shown = combobox.getAttribute("aria-labelledby");
        combobox.setAttribute("aria-labelledby", label.id + (shown ? " " + shown : ""));
      }
      var rendered = container.querySelector("[role=textbox]");
      if (rendered) rendered.setAttribute("aria-labelledby", label.id);
    }
  }

  // Capturing on the window runs before markdownx's own listener on the editor: let Tab move focus.
  window.addEventListener(
    "keydown",
    function (event) {
      var target = event.target;
      if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey &&
          target.classList && target.classList.contains("markdownx-editor")) {
        event.stopPropagation();
      }
    },
    true
  );

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.getElementById("id_body");
    if (body && body.tagName === "TEXTAREA") addStats(body);
    namePreviews();
    // Django's autocomplete.js sets select2 up in a jQuery ready handler registered as its script ran;
    // one registered now runs after it.
    if (window.django && window.django.jQuery) window.django.jQuery(nameComboboxes);
  });
  // ...and on each inline row added.
  document.addEventListener("formset:added", function () {
    window.setTimeout(nameComboboxes, 0);
  });
})();
