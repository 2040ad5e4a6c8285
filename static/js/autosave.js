/* Autosave on the dimension page (docs/AUTOSAVE.md): every answer is saved on its own as it
   changes. Edits the server has not confirmed wait in localStorage (per user, assessment and
   indicator) and are sent again when the connection returns or after logging in again. A
   colleague's newer save is never overwritten: the user sees both versions and chooses.
   The page works without this script: the Save button posts the whole form. No inline script:
   the CSP forbids it. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var DEBOUNCE_MS = 800;
  var FIRST_RETRY_MS = 2000;
  var LAST_RETRY_MS = 60000;
  var url = form.getAttribute("data-autosave-url");
  var keyPrefix = form.getAttribute("data-storage-key") + ".";
  var pageStatus = document.getElementById("autosave-page-status");
  var loginUrl = form.getAttribute("data-login-url");
  var loginNeeded = false;
  var pageMessage = "";
  var lastSavedAt = "";
  var submitting = false;
  var states = {};

  function text(name, values) {
    var result = form.getAttribute("data-text-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      result = result.split("{" + key + "}").join(values[key]);
    });
    return result;
  }

  // --- the fields of one indicator ----------------------------------------------------------

  // each indicator's fieldset says what its answer type needs (templates/assessment/
  // answer_types, domain/answer_types): data-answer-field names its inputs ("<field>-<CODE>")
  // and its key in the JSON; data-answer-widget says how the value is read: "levels" (radios,
  // "na" among them), "radios", "checkboxes" ("" is "none of these") or "text"
  function fieldsetOf(code) {
    return form.querySelector('fieldset[data-indicator="' + code + '"]');
  }

  function answerField(code) {
    var fieldset = fieldsetOf(code);
    return (fieldset && fieldset.getAttribute("data-answer-field")) || "level";
  }

  function answerWidget(code) {
    var fieldset = fieldsetOf(code);
    return (fieldset && fieldset.getAttribute("data-answer-widget")) || "levels";
  }

  function answerInputs(code) {
    return form.querySelectorAll('input[name="' + answerField(code) + "-" + code + '"]');
  }

  function naInput(code) {
    return form.elements["na-" + code];
  }

  function valueInputs(code) {
    var inputs = [];
    answerInputs(code).forEach(function (input) {
      inputs.push(input);
    });
    var na = naInput(code);
    if (na) {
      inputs.push(na);
    }
    return inputs;
  }

  function sortedList(items) {
    return items === null || items === undefined ? null : items.slice().sort();
  }

  function justificationInput(code) {
    return form.elements["justification-" + code];
  }

  function versionInput(code) {
    return form.elements["version-" + code];
  }

  function current(code) {
    var justification = justificationInput(code);
    var widget = answerWidget(code);
    var na = naInput(code);
    var answer = {
      not_applicable: Boolean(na && na.checked),
      justification: justification ? justification.value : ""
    };
    var value = null;
    if (widget === "levels" || widget === "radios") {
      answerInputs(code).forEach(function (input) {
        if (input.checked && input.value !== "") {
          value = input.value;
        }
      });
      if (widget === "levels") {
        answer.not_applicable = value === "na";
        value = value === null || value === "na" ? null : parseInt(value, 10);
      }
    } else if (widget === "checkboxes") {
      var any = false;
      var ticked = [];
      answerInputs(code).forEach(function (input) {
        if (input.checked) {
          any = true; // the "none of these" box (value "") is an answer with nothing ticked
          if (input.value !== "") {
            ticked.push(input.value);
          }
        }
      });
      value = any ? ticked.sort() : null;
    } else {
      var typed = answerInputs(code).length ? answerInputs(code)[0].value.trim() : "";
      value = typed === "" ? null : typed;
    }
    answer[answerField(code)] = value;
    return answer;
  }

  function valueOf(code, answer) {
    var value = answer[answerField(code)];
    return value === undefined ? null : value;
  }

  function fill(code, answer) {
    var widget = answerWidget(code);
    var value = valueOf(code, answer);
    var na = naInput(code);
    if (na) {
      na.checked = Boolean(answer.not_applicable);
    }
    answerInputs(code).forEach(function (input) {
      if (widget === "levels") {
        input.checked = input.value === (answer.not_applicable ? "na" : value === null ? "" : String(value));
      } else if (widget === "radios") {
        input.checked = input.value === (value || "");
      } else if (widget === "checkboxes") {
        input.checked =
          value !== null &&
          (input.value === "" ? value.length === 0 : value.indexOf(input.value) !== -1);
      } else {
        input.value = value === null ? "" : value;
      }
    });
    var justification = justificationInput(code);
    if (justification) {
      justification.value = answer.justification || "";
    }
    showApplicability(code);
  }

  // a ticked "not applicable" box sets the indicator's own answer aside: its options are shown
  // disabled (only N/A is stored) but keep what was chosen, for when the box is unticked again
  function showApplicability(code) {
    var na = naInput(code);
    if (!na || na.type !== "checkbox") {
      return;
    }
    valueInputs(code).forEach(function (input) {
      if (input !== na) {
        input.disabled = na.checked;
      }
    });
    var fieldset = document.getElementById("indicator-" + code);
    if (fieldset) {
      fieldset.classList.toggle("not-applicable", na.checked);
    }
  }

  function numberKey(text) {
    // "12,5", "12.50" and "12.5" are one number: compare them as the server does
    if (text === null || text === undefined) {
      return null;
    }
    var value = parseFloat(String(text).replace(",", "."));
    return isNaN(value) ? String(text) : String(value);
  }

  // the value as the server compares it: "12,5", "12.50" and "12.5" are one number
  function valueKey(code, answer) {
    var value = valueOf(code, answer);
    var widget = answerWidget(code);
    if (widget === "checkboxes") {
      return JSON.stringify(sortedList(value));
    }
    if (widget === "text") {
      return numberKey(value);
    }
    return value === null ? null : String(value);
  }

  function same(a, b, code) {
    return (
      Boolean(a.not_applicable) === Boolean(b.not_applicable) &&
      (a.justification || "") === (b.justification || "") &&
      valueKey(code, a) === valueKey(code, b)
    );
  }

  function baseVersion(code) {
    var input = versionInput(code);
    var value = input ? parseInt(input.value, 10) : 0;
    return isNaN(value) ? 0 : value;
  }

  function setBaseVersion(code, version) {
    // the no-JS Save button posts this too: it must know what the user has now seen
    var input = versionInput(code);
    if (input) {
      input.value = String(version);
    }
  }

  // --- unconfirmed edits in localStorage -----------------------------------------------------

  function stored(code) {
    try {
      var raw = window.localStorage.getItem(keyPrefix + code);
      return raw ? JSON.parse(raw) : null;
    } catch (error) {
      return null;
    }
  }

  function keep(code) {
    var answer = current(code);
    answer.version = baseVersion(code);
    answer.at = Date.now();
    try {
      window.localStorage.setItem(keyPrefix + code, JSON.stringify(answer));
    } catch (error) {
      // storage full or disabled: the save still goes out, only the offline copy is missing
    }
  }

  function forget(code) {
    try {
      window.localStorage.removeItem(keyPrefix + code);
    } catch (error) {
      // nothing to remove
    }
  }

  // --- status texts ---------------------------------------------------------------------------

  function setStatus(code, message, kind) {
    var element = document.getElementById("autosave-status-" + code);
    if (element) {
      element.textContent = message;
      element.className = "autosave-status" + (kind ? " autosave-" + kind : " muted");
    }
  }

  function updatePage() {
    if (!pageStatus) {
      return;
    }
    var codes = Object.keys(states);
    var any = function (name) {
      return codes.some(function (code) {
        return states[code][name];
      });
    };
    pageStatus.textContent = "";
    pageStatus.className = "autosave-page-status";
    if (loginNeeded) {
      pageStatus.className += " autosave-failed";
      pageStatus.appendChild(document.createTextNode(text("page-login") + " "));
      var link = document.createElement("a");
      link.href = loginUrl;
      link.textContent = text("login-link");
      pageStatus.appendChild(link);
    } else if (pageMessage) {
      pageStatus.className += " autosave-failed";
      pageStatus.textContent = pageMessage;
    } else if (any("conflict")) {
      pageStatus.className += " autosave-failed";
      pageStatus.textContent = text("page-conflict");
    } else if (any("failed")) {
      pageStatus.className += " autosave-failed";
      pageStatus.textContent = text("page-failed");
    } else if (any("inflight") || any("timer")) {
      pageStatus.textContent = text("page-saving");
    } else if (lastSavedAt) {
      pageStatus.textContent = text("page-saved", { time: lastSavedAt });
    }
  }

  // --- saving -----------------------------------------------------------------------------------

  function schedule(code, delay) {
    var state = states[code];
    if (state.timer) {
      window.clearTimeout(state.timer);
    }
    state.timer = window.setTimeout(function () {
      state.timer = null;
      send(code);
    }, delay);
  }

  function edited(code) {
    var state = states[code];
    keep(code);
    state.failed = false;
    state.retryDelay = 0;
    if (!state.conflict) {
      setStatus(code, text("saving"), "");
      schedule(code, DEBOUNCE_MS);
    }
    updatePage();
  }

  function failed(code) {
    var state = states[code];
    state.failed = true;
    state.retryDelay = Math.min(LAST_RETRY_MS, state.retryDelay ? state.retryDelay * 2 : FIRST_RETRY_MS);
    setStatus(code, text("failed"), "failed");
    schedule(code, state.retryDelay);
  }

  function send(code, leaving) {
    var state = states[code];
    if (state.inflight) {
      state.again = true;
      return;
    }
    if (loginNeeded) {
      setStatus(code, text("not-saved"), "failed"); // kept here until the user logs in again
      return;
    }
    if (state.conflict) {
      return;
    }
    var answer = current(code);
    var body = {
      indicator: code,
      not_applicable: answer.not_applicable,
      justification: answer.justification,
      version: baseVersion(code)
    };
    body[answerField(code)] = valueOf(code, answer);
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var token = form.elements.csrf_token;
    if (token) {
      headers["X-CSRFToken"] = token.value;
    }
    state.inflight = true;
    state.again = false;
    setStatus(code, text("saving"), "");
    updatePage();
    window
      .fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(leaving), // still delivered while the page closes
        headers: headers,
        body: JSON.stringify(body)
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            state.inflight = false;
            answered(code, answer, response.status, data);
          });
      })
      .catch(function () {
        state.inflight = false;
        failed(code);
      })
      .then(updatePage);
  }

  function answered(code, sent, status, data) {
    var state = states[code];
    if (status === 200) {
      state.failed = false;
      state.retryDelay = 0;
      pageMessage = "";
      setBaseVersion(code, data.version);
      lastSavedAt = data.saved_at_display || lastSavedAt;
      if (same(current(code), sent, code)) {
        forget(code);
        setStatus(code, text("saved", { time: data.saved_at_display || "" }).trim(), "saved");
      } else {
        keep(code); // typed on while saving: now based on the new version
        schedule(code, state.again ? 0 : DEBOUNCE_MS);
      }
    } else if (status === 401) {
      loginNeeded = true;
      loginUrl = data.login_url || loginUrl;
      setStatus(code, text("not-saved"), "failed");
    } else if (status === 409 && data.error === "conflict" && data.theirs) {
      showConflict(code, sent, data.theirs, data.message);
    } else if (status >= 500 || status === 429 || status === 0) {
      failed(code);
    } else {
      // refused for good (read-only, invalid, out-of-date page): say why, keep the edit
      state.failed = false;
      setStatus(code, data.message || text("not-saved"), "failed");
      if (data.error === "csrf") {
        pageMessage = data.message;
      }
    }
  }

  // --- a colleague's newer save: show both, let the user choose ---------------------------------

  function labelOf(input) {
    var label = input.id ? form.querySelector('label[for="' + input.id + '"]') : null;
    return label ? label.textContent.trim() : input.value;
  }

  function describe(answer, code) {
    if (answer.not_applicable) {
      return text("not-applicable");
    }
    var value = valueOf(code, answer);
    var widget = answerWidget(code);
    if (value === null) {
      return text("unanswered");
    }
    if (widget === "levels") {
      return text("level", { level: value });
    }
    if (widget === "text") {
      return String(value);
    }
    var chosen = widget === "radios" ? [value] : value;
    var names = [];
    answerInputs(code).forEach(function (input) {
      if (input.value !== "" && chosen.indexOf(input.value) !== -1) {
        names.push(labelOf(input));
      }
    });
    return names.length ? names.join(", ") : widget === "radios" ? value : "–";
  }

  function versionBlock(title, answer, code) {
    var block = document.createElement("div");
    block.className = "autosave-version";
    var heading = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = title;
    heading.appendChild(strong);
    heading.appendChild(document.createTextNode(": " + describe(answer, code)));
    block.appendChild(heading);
    var justification = document.createElement("p");
    justification.className = "autosave-justification";
    justification.textContent = answer.justification || "";
    block.appendChild(justification);
    return block;
  }

  function showConflict(code, mine, theirs, message) {
    var state = states[code];
    var box = document.getElementById("autosave-conflict-" + code);
    state.conflict = true;
    setStatus(code, message || text("conflict"), "failed");
    if (!box) {
      return;
    }
    box.textContent = "";
    box.appendChild(versionBlock(text("yours"), mine, code));
    var when = theirs.updated_at_display || theirs.updated_at || "";
    box.appendChild(
      versionBlock(text("theirs", { who: theirs.updated_by || "?", when: when }), theirs, code)
    );
    var actions = document.createElement("div");
    actions.className = "actions";
    var keepMine = document.createElement("button");
    keepMine.type = "button";
    keepMine.className = "primary";
    keepMine.textContent = text("keep-mine");
    keepMine.addEventListener("click", function () {
      closeConflict(code);
      setBaseVersion(code, theirs.version);
      keep(code);
      send(code);
    });
    var useTheirs = document.createElement("button");
    useTheirs.type = "button";
    useTheirs.textContent = text("use-theirs");
    useTheirs.addEventListener("click", function () {
      closeConflict(code);
      fill(code, theirs);
      setBaseVersion(code, theirs.version);
      forget(code);
      setStatus(code, text("saved", { time: "" }).trim(), "saved");
      updatePage();
    });
    actions.appendChild(keepMine);
    actions.appendChild(useTheirs);
    box.appendChild(actions);
    box.hidden = false;
    // no focus() here: the user may be typing elsewhere, and a keystroke must not choose
  }

  function closeConflict(code) {
    var box = document.getElementById("autosave-conflict-" + code);
    states[code].conflict = false;
    if (box) {
      box.hidden = true;
      box.textContent = "";
    }
  }

  // --- start ------------------------------------------------------------------------------------

  form.querySelectorAll("fieldset[data-indicator]").forEach(function (fieldset) {
    var code = fieldset.getAttribute("data-indicator");
    if (!justificationInput(code)) {
      return;
    }
    states[code] = { timer: null, inflight: false, again: false, failed: false, conflict: false, retryDelay: 0 };
    valueInputs(code).forEach(function (input) {
      var event = input.type === "text" ? "input" : "change";
      input.addEventListener(event, function () {
        if (input.name === "na-" + code) {
          showApplicability(code);
        }
        if (answerWidget(code) === "checkboxes" && input.name !== "na-" + code && input.checked) {
          // "none of these" and a ticked item exclude each other
          answerInputs(code).forEach(function (other) {
            if (other !== input && (other.value === "" || input.value === "")) {
              other.checked = false;
            }
          });
        }
        edited(code);
      });
    });
    justificationInput(code).addEventListener("input", function () {
      edited(code);
    });
    showApplicability(code);
  });

  // edits the server never confirmed (offline, session ended, tab closed): back into the
  // fields and sent again, based on the version they were made on, so a colleague's save
  // in between shows as a conflict instead of being overwritten
  Object.keys(states).forEach(function (code) {
    var edit = stored(code);
    if (!edit) {
      return;
    }
    if (same(edit, current(code), code)) {
      forget(code);
      return;
    }
    fill(code, edit);
    setBaseVersion(code, edit.version || 0);
    setStatus(code, text("restored"), "");
    send(code);
  });

  // the Save button posts every answer: nothing left to autosave
  form.addEventListener("submit", function () {
    submitting = true;
    Object.keys(states).forEach(function (code) {
      if (states[code].timer) {
        window.clearTimeout(states[code].timer);
        states[code].timer = null;
      }
    });
  });

  // leaving the page (another dimension, a closed tab) with a save still waiting: send it now
  window.addEventListener("pagehide", function () {
    if (submitting) {
      return;
    }
    Object.keys(states).forEach(function (code) {
      if (states[code].timer) {
        window.clearTimeout(states[code].timer);
        states[code].timer = null;
        send(code, true);
      }
    });
  });

  window.addEventListener("online", function () {
    Object.keys(states).forEach(function (code) {
      if (states[code].failed) {
        states[code].retryDelay = 0;
        schedule(code, 0);
      }
    });
  });
})();
