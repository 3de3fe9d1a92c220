/* Autosave on the article form (articles/admin/autosave.py).
 *
 * While the editor types, the form's text (title, slug, summary, body, content notes, disclosure, condition
 * notes) goes every few seconds (3 s after the last change) to the staff-only autosave endpoint, for this
 * person and article only; a copy is also kept in this browser's localStorage for when the server cannot be
 * reached, and again just before the form is submitted (a save that meets an expired session is sent to sign
 * in and back to this form, which then offers the text back).
 *
 * A copy holds only the fields changed since the form opened, with the version they were typed over.
 * On opening the form, a server or browser copy that differs from the form is offered back, field by field
 * with a word-level difference: "Restore" only fills the form (saving stays the editor's choice, and the
 * copy's version goes into the version check, so others' saves since are still shown before anything is
 * replaced); "Discard" deletes both copies. Editor text is only ever set with textContent, never as HTML.
 */
(function () {
  "use strict";

  var DELAY_MS = 3000;
  var PREFIX = "intimacyhub:autosave:";
  var SAVED_COOKIE = "intimacyhub_autosave_saved";
  var FIELDS = ["title", "slug", "summary", "body", "content_notes", "disclosure"];
  var CONDITION_NOTE = /^condition_links-\d+-note$/;
  var CONTEXT_WORDS = 12;
  var MAX_DIFF_CELLS = 4000000;

  function storageKey(user, key) {
    return PREFIX + user + ":" + key;
  }

  function readLocal(name) {
    try {
      var raw = window.localStorage.getItem(name);
      var copy = raw ? JSON.parse(raw) : null;
      return copy && typeof copy.fields === "object" ? copy : null;
    } catch (error) {
      return null;
    }
  }

  function writeLocal(name, copy) {
    try {
      window.localStorage.setItem(name, JSON.stringify(copy));
      return true;
    } catch (error) {
      return false; // full, or switched off: the server copy is all there is
    }
  }

  function removeLocal(name) {
    try {
      window.localStorage.removeItem(name);
    } catch (error) {
      /* nothing kept, nothing to remove */
    }
  }

  // After a successful save the server names the saved form ("USER-KEY") in a cookie: forget its copy.
  function forgetSaved() {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + SAVED_COOKIE + "=([^;]*)"));
    if (!match) return;
    var value = decodeURIComponent(match[1]).replace(/^"|"$/g, "");
    var dash = value.indexOf("-");
    if (dash > 0) removeLocal(storageKey(value.slice(0, dash), value.slice(dash + 1)));
    document.cookie = SAVED_COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function day(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function isText(input) {
    if (!input || !input.name || input.disabled || input.readOnly) return false;
    if (input.tagName !== "TEXTAREA" && input.type !== "text") return false;
    return FIELDS.indexOf(input.name) !== -1 || CONDITION_NOTE.test(input.name);
  }

  function textInputs(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input[type=text], textarea"), isText);
  }

  function collect(form) {
    var fields = {};
    textInputs(form).forEach(function (input) {
      fields[input.name] = input.value;
    });
    return fields;
  }

  function labelFor(form, name) {
    var row = name.match(/^condition_links-(\d+)-note$/);
    if (row) return "Condition note " + (Number(row[1]) + 1);
    var input = form.elements.namedItem(name);
    var label = input && input.id ? form.querySelector("label[for='" + input.id + "']") : null;
    return label ? label.textContent.replace(/:\s*$/, "").trim() : name;
  }

  // What in `copy` differs from the form now: [{name, before, after}], in the form's order (PostgreSQL's
  // jsonb keeps keys in an order of its own); fields the form has no input for (a condition note's row) last.
  function differences(copy, current) {
    var order = Object.keys(current);
    function place(name) {
      var index = order.indexOf(name);
      return index === -1 ? order.length : index;
    }
    return Object.keys(copy.fields)
      .sort(function (one, other) {
        return place(one) - place(other);
      })
      .filter(function (name) {
        var after = String(copy.fields[name]);
        return name in current ? current[name] !== after : after !== "";
      })
      .map(function (name) {
        return {name: name, before: current[name] || "", after: String(copy.fields[name])};
      });
  }

  // A word-level difference: [{op: "same" | "del" | "ins", text}]. The common start and end are trimmed
  // first; a middle too large to compare word by word is shown as removed and added text.
  function wordDiff(before, after) {
    var a = before.match(/\s+|\S+/g) || [];
    var b = after.match(/\s+|\S+/g) || [];
    var start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    var endA = a.length;
    var endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    var parts = [];
    if (start) parts.push({op: "same", text: a.slice(0, start).join("")});
    var midA = a.slice(start, endA);
    var midB = b.slice(start, endB);
    if ((midA.length + 1) * (midB.length + 1) > MAX_DIFF_CELLS) {
      if (midA.length) parts.push({op: "del", text: midA.join("")});
      if (midB.length) parts.push({op: "ins", text: midB.join("")});
    } else {
      var n = midA.length;
      var m = midB.length;
      var table = new Int32Array((n + 1) * (m + 1)); // longest common run from (i, j) on
      for (var i = n - 1; i >= 0; i--) {
        for (var j = m - 1; j >= 0; j--) {
          table[i * (m + 1) + j] = midA[i] === midB[j]
            ? table[(i + 1) * (m + 1) + j + 1] + 1
            : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
        }
      }
      i = 0;
      j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && midA[i] === midB[j]) {
          parts.push({op: "same", text: midA[i++]});
          j++;
        } else if (j < m && (i === n || table[i * (m + 1) + j + 1] > table[(i + 1) * (m + 1) + j])) {
          parts.push({op: "ins", text: midB[j++]});
        } else {
          parts.push({op: "del", text: midA[i++]});
        }
      }
    }
    if (endA < a.length) parts.push({op: "same", text: a.slice(endA).join("")});
    // Join neighbours of the same kind, so a changed phrase reads as one.
    return parts.reduce(function (joined, part) {
      var last = joined[joined.length - 1];
      if (last && last.op === part.op) last.text += part.text;
      else joined.push({op: part.op, text: part.text});
      return joined;
    }, []);
  }

  // Long unchanged stretches are cut to a few words either side of a change.
  function shorten(text, keepStart, keepEnd) {
    var words = text.match(/\s+|\S+/g) || [];
    if (words.length <= 2 * CONTEXT_WORDS * 2) return text;
    var head = keepStart ? words.slice(0, CONTEXT_WORDS * 2).join("") : "";
    var tail = keepEnd ? words.slice(-CONTEXT_WORDS * 2).join("") : "";
    return head + (keepStart || keepEnd ? " … " : "…") + tail;
  }

  function diffNode(before, after) {
    var box = element("p", "autosave-diff");
    var parts = wordDiff(before, after);
    parts.forEach(function (part, index) {
      if (part.op === "same") {
        box.appendChild(document.createTextNode(shorten(part.text, index > 0, index < parts.length - 1)));
      } else {
        box.appendChild(element(part.op, "", part.text));
      }
    });
    return box;
  }

  function start() {
    forgetSaved();
    var root = document.getElementById("autosave");
    if (!root) return;
    var form = root.closest("form");
    var url = root.getAttribute("data-url");
    if (!form || !url) return;
    var localName = storageKey(root.getAttribute("data-user"), root.getAttribute("data-key"));
    var storedVersion = Number(root.getAttribute("data-version")) || null;
    var storedAt = root.getAttribute("data-modified") ? new Date(root.getAttribute("data-modified")) : null;
    var offer = root.querySelector(".autosave-offer");
    var statusLine = root.querySelector(".autosave-status");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null;
    var controller = null;
    var waiting = false; // an offer is open: keep both copies until the editor chooses
    var changed = false;
    var submitting = false;
    // The form as it opened: the stored article, or an empty add form. A form sent back with errors holds
    // text that is not stored yet: every field counts as changed.
    var bound = root.getAttribute("data-bound") === "1";
    var opened = bound ? {} : collect(form);

    function status(text) {
      // A live region: the same words again would be read out again every few seconds.
      if (statusLine.textContent !== text) statusLine.textContent = text;
    }

    function expectedVersion() {
      var input = form.elements.namedItem("expected_version");
      return input && input.value ? Number(input.value) : null;
    }

    // Only what the editor changed since the form opened: restoring it over a version someone saved since
    // leaves their changes to the other fields alone.
    function copyNow() {
      var fields = {};
      var now = collect(form);
      Object.keys(now).forEach(function (name) {
        if (now[name] !== opened[name]) fields[name] = now[name];
      });
      return {fields: fields, base_version: expectedVersion(), saved_at: new Date().toISOString()};
    }

    function post(body) {
      if (controller) controller.abort();
      controller = new AbortController();
      return fetch(url, {
        method: "POST",
        body: JSON.stringify(body),
        credentials: "same-origin",
        redirect: "manual", // an expired session answers with the sign-in page: say so, do not follow
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrf ? csrf.value : ""
        },
        signal: controller.signal
      });
    }

    function save() {
      var copy = copyNow();
      var kept = writeLocal(localName, copy);
      var at = clock(new Date());
      var fallback = kept ? "kept in this browser at " + at : "and this browser could not keep a copy either";
      post({fields: copy.fields, base_version: copy.base_version}).then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 0) {
          status("Your session has ended: your text is " + fallback + ". Save to sign in again; the form comes back with your text.");
          return null;
        }
        return response.json().then(function (json) {
          if (response.ok) {
            status("Saved a draft copy at " + clock(new Date(json.autosave.saved_at)) + ".");
          } else {
            status((json.error || "The server could not keep a draft copy (" + response.status + ").") +
              (kept ? " Kept in this browser at " + at + "." : " This browser could not keep a copy either."));
          }
        }, function () {
          status("The server could not keep a draft copy just now (" + response.status + "); " + fallback + ".");
        });
      }).catch(function (error) {
        if (error.name === "AbortError") return;
        status("Offline: " + fallback + ". Autosave tries the server again as you type.");
      });
    }

    function later() {
      changed = true;
      if (waiting) {
        status("Autosave waits until you choose Restore or Discard above.");
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(save, DELAY_MS);
    }

    form.addEventListener("input", function (event) {
      if (isText(event.target)) later();
    });

    form.addEventListener("submit", function () {
      // Kept before the request leaves: an expired session sends the editor to sign in, and the form offers
      // this copy back afterwards. A successful save clears it (the server's cookie, forgetSaved above).
      submitting = true;
      window.clearTimeout(timer);
      if (controller) controller.abort();
      if (changed || !waiting) writeLocal(localName, copyNow());
    });

    function addConditionRows(fields) {
      var add = document.querySelector("#condition_links-group .add-row a");
      Object.keys(fields).forEach(function (name) {
        var tries = 0;
        while (add && !form.elements.namedItem(name) && CONDITION_NOTE.test(name) && tries++ < 50) add.click();
      });
    }

    function restore(copy) {
      addConditionRows(copy.fields);
      Object.keys(copy.fields).forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (!isText(input)) return;
        input.value = String(copy.fields[name]);
        input.dispatchEvent(new Event("input", {bubbles: true}));
        input.dispatchEvent(new Event("change", {bubbles: true}));
      });
      // The version the text was typed over: if someone saved since, saving shows what they changed first.
      var expected = form.elements.namedItem("expected_version");
      if (expected && copy.base_version && Number(copy.base_version) < Number(expected.value)) {
        expected.value = String(copy.base_version);
      }
    }

    function close(message) {
      offer.hidden = true;
      offer.replaceChildren();
      waiting = false;
      status(message);
      if (changed) later();
    }

    function show(copy, source, changes) {
      var when = new Date(copy.saved_at);
      var heading = element("h2", "", "Unsaved text from " + clock(when));
      heading.id = "autosave-offer-heading";
      offer.appendChild(heading);
      offer.appendChild(element("p", "",
        "You typed this on " + day(when) + " at " + clock(when) + " and it was not saved. It was kept " +
        (source === "server" ? "on the server, for you alone." : "in this browser.")));
      if (storedVersion && copy.base_version && Number(copy.base_version) < storedVersion) {
        offer.appendChild(element("p", "autosave-warning",
          "The article has been saved since (version " + copy.base_version + " is now " + storedVersion +
          "). Restoring fills the form; saving then shows what changed before anything is replaced."));
      } else if (storedAt && when < storedAt) {
        offer.appendChild(element("p", "autosave-warning", "The article was saved after this text was typed."));
      }
      offer.appendChild(element("p", "help",
        "Struck-through words are in the form now; underlined words are in the unsaved text. " +
        "Restoring fills the form only: nothing is saved until you save."));
      var list = element("dl");
      changes.forEach(function (change) {
        list.appendChild(element("dt", "", labelFor(form, change.name)));
        var detail = element("dd");
        detail.appendChild(diffNode(change.before, change.after));
        list.appendChild(detail);
      });
      offer.appendChild(list);
      var actions = element("p", "autosave-actions");
      var restoreButton = element("button", "button default", "Restore");
      restoreButton.type = "button";
      var discardButton = element("button", "button", "Discard");
      discardButton.type = "button";
      restoreButton.addEventListener("click", function () {
        restore(copy);
        close("Restored the text from " + clock(when) + " into the form. Save to keep it.");
        var first = form.elements.namedItem(changes[0].name);
        if (first && first.focus) first.focus();
      });
      discardButton.addEventListener("click", function () {
        removeLocal(localName);
        post({discard: true}).catch(function () {});
        close("Discarded the unsaved text from " + clock(when) + ".");
        var title = form.elements.namedItem("title");
        if (title && title.focus) title.focus();
      });
      actions.appendChild(restoreButton);
      actions.appendChild(discardButton);
      offer.appendChild(actions);
      offer.hidden = false;
      waiting = true;
    }

    function offerNewest(serverCopy) {
      // The copies' answer can arrive after the editor typed, or even pressed Save: the browser copy then
      // holds that text and must stay (an expired session brings the editor back to be offered it).
      if (submitting) return;
      var current = collect(form);
      var local = readLocal(localName);
      var candidates = [];
      if (serverCopy) candidates.push({copy: serverCopy, source: "server"});
      if (local) candidates.push({copy: local, source: "browser"});
      candidates = candidates
        .map(function (candidate) {
          candidate.changes = differences(candidate.copy, current);
          return candidate;
        })
        .filter(function (candidate) {
          return candidate.changes.length;
        })
        .sort(function (one, other) {
          return new Date(other.copy.saved_at) - new Date(one.copy.saved_at);
        });
      if (local && !bound && !changed && !candidates.some(function (c) { return c.copy === local; })) {
        removeLocal(localName); // the form already holds it
      }
      if (candidates.length) show(candidates[0].copy, candidates[0].source, candidates[0].changes);
    }

    fetch(url, {credentials: "same-origin", redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.ok ? response.json() : {autosave: null};
      })
      .then(function (json) {
        offerNewest(json.autosave);
      }, function () {
        offerNewest(null);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
