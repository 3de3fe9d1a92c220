/* The Checks panel on the article change form (articles/admin/checks.py): as the editor types, post the
 * form's unsaved data to the staff-only checks endpoint (debounced) and redraw the panel from its JSON.
 * Editor text is only ever set with textContent, never as HTML. Without this file the panel shows the
 * findings of the last save. */
(function () {
  "use strict";

  var DELAY_MS = 700;
  var MAX_CHARS = 2000000; // the endpoint refuses bigger posts; say so here instead of sending them

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The textarea or input a finding's offsets point into, when it has one.
  function fieldInput(field) {
    if (field === "title" || field === "summary" || field === "body") {
      return document.getElementById("id_" + field);
    }
    return null;
  }

  function findingItem(finding, overridden) {
    var item = element("li", "checks-finding checks-" + finding.severity);
    var where = element("p", "checks-where");
    where.appendChild(element("strong", "", finding.field_label.charAt(0).toUpperCase() + finding.field_label.slice(1)));
    where.appendChild(document.createTextNode(": "));
    var context = element("q", "checks-context");
    context.appendChild(document.createTextNode(finding.before));
    context.appendChild(element("mark", "", finding.words));
    context.appendChild(document.createTextNode(finding.after));
    where.appendChild(context);
    var input = fieldInput(finding.field);
    if (input && typeof input.setSelectionRange === "function") {
      // Offsets from the server are Python characters; start_utf16/end_utf16 are the textarea's units.
      var show = element("button", "checks-show", "Show in the text");
      show.type = "button";
      show.addEventListener("click", function () {
        input.focus();
        input.setSelectionRange(finding.start_utf16, finding.end_utf16);
      });
      where.appendChild(document.createTextNode(" "));
      where.appendChild(show);
    }
    item.appendChild(where);
    var message = element("p", "checks-message", finding.message + " ");
    var link = element("a", "", finding.guideline_name);
    link.href = finding.guideline;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    message.appendChild(link);
    message.appendChild(element("span", "checks-rule", " (" + finding.rule + ")"));
    item.appendChild(message);
    if (overridden) {
      item.appendChild(element("p", "checks-override",
        "Overridden by " + finding.override_by + " on " + finding.override_at + ": " + finding.override_reason));
    }
    return item;
  }

  function draw(panel, data) {
    var body = panel.querySelector(".checks-body");
    body.replaceChildren();
    body.appendChild(element("p", "checks-status",
      "As you type: " + data.open + " open finding" + (data.open === 1 ? "" : "s") + ", " +
      data.blocking + " blocking publication."));
    data.groups.forEach(function (group) {
      body.appendChild(element("h3", "checks-group-heading", group.label + " (" + group.findings.length + ")"));
      var list = element("ul", "checks-list");
      group.findings.forEach(function (finding) { list.appendChild(findingItem(finding, false)); });
      body.appendChild(list);
    });
    var overrideUrl = panel.getAttribute("data-override-url");
    if (data.blocking && overrideUrl) {
      var p = element("p", "checks-override-link");
      var a = element("a", "", "Override a blocking finding, with a reason");
      a.href = overrideUrl;
      p.appendChild(a);
      body.appendChild(p);
    }
    if (data.overridden.length) {
      body.appendChild(element("h3", "checks-group-heading", "Overridden (" + data.overridden.length + ")"));
      var done = element("ul", "checks-list");
      data.overridden.forEach(function (finding) { done.appendChild(findingItem(finding, true)); });
      body.appendChild(done);
    }
  }

  function say(panel, text) {
    var status = panel.querySelector(".checks-status");
    if (!status) {
      status = element("p", "checks-status");
      panel.querySelector(".checks-body").prepend(status);
    }
    status.textContent = text;
    status.classList.add("checks-error");
  }

  function start() {
    var panel = document.getElementById("checks-panel");
    if (!panel) return;
    var form = panel.closest("form");
    var url = panel.getAttribute("data-live-url");
    if (!form || !url) return;
    var timer = null;
    var controller = null;

    function run() {
      var body = document.getElementById("id_body");
      if (body && body.value.length > MAX_CHARS) {
        say(panel, "The text is too large to check as you type; the checks run when you save.");
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      var data = new FormData(form);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(form), "Accept": "application/json"},
        signal: controller.signal
      }).then(function (response) {
        if (response.status === 413 || response.status === 400) {
          say(panel, "The text is too large to check as you type; the checks run when you save.");
          return null;
        }
        if (!response.ok) {
          say(panel, "The checks could not run just now (" + response.status + "); they run again when you type or save.");
          return null;
        }
        return response.json();
      }).then(function (json) {
        if (json) draw(panel, json);
      }).catch(function (error) {
        if (error.name !== "AbortError") say(panel, "The checks could not run just now; they run again when you type or save.");
      });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DELAY_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
