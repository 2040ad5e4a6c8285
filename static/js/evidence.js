/* Evidence files on the dimension page (docs/AUTOSAVE.md, "Evidence files").
   A chosen file is sent at once, on its own request (CSRF header, progress bar), and listed
   with Preview and Remove when the server has checked and kept it. Until then it waits in
   IndexedDB (per user and assessment): offline, after a failed try or a closed tab it is sent
   again when the connection returns or the page is opened again. While a file is not uploaded,
   leaving the page asks first. An answer that needs evidence says so as soon as it is chosen.
   Without this script the form's Save button sends the chosen files, as before; the server
   checks everything either way. No inline script: the CSP forbids it. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-evidence-url]");
  var FIRST_RETRY_MS = 2000;
  var LAST_RETRY_MS = 60000;

  // --- sizes over the limit: unselected before anything is sent (with and without upload) ----

  function tooLarge(input, files) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var names = [];
    for (var i = 0; limit && files && i < files.length; i += 1) {
      if (files[i].size > limit) {
        names.push(files[i].name);
      }
    }
    return names;
  }

  function warnTooLarge(input, names) {
    var warning = document.getElementById(input.getAttribute("data-warning"));
    if (!warning) {
      return;
    }
    warning.textContent = names.length
      ? (input.getAttribute("data-too-large") || "").replace("{names}", names.join(", "))
      : "";
    warning.hidden = names.length === 0;
  }

  function check(input) {
    var names = tooLarge(input, input.files);
    if (names.length) {
      input.value = ""; // a FileList cannot lose one file: clear the choice, say which was too large
    }
    warnTooLarge(input, names);
    return names.length === 0;
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (!button) {
      return;
    }
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    } else if (form && button.hasAttribute("data-remove-url")) {
      event.preventDefault(); // removed on its own; the typed answers stay as they are
      removeFile(button);
    }
  });

  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll('input[type="file"][data-max-bytes]');
    var first = null;
    for (var i = 0; i < inputs.length; i += 1) {
      if (!check(inputs[i]) && first === null) {
        first = inputs[i];
      }
    }
    if (first !== null) {
      event.preventDefault(); // let the person see why before sending the rest
      first.focus();
    }
  });

  // --- which answers need evidence: warn as soon as one is chosen ------------------------------

  function chosenAnswer(code, type) {
    var na = form ? form.elements["na-" + code] : null;
    if (na && na.type === "checkbox" && na.checked) {
      return null;
    }
    var values = [];
    var inputs = document.querySelectorAll('input[name="' + type + "-" + code + '"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].type === "text") {
        values.push(inputs[i].value.trim());
      } else if (inputs[i].checked) {
        values.push(inputs[i].value);
      }
    }
    return values;
  }

  function needsEvidence(code, rule) {
    // the answer's inputs are named after its type's field (data-answer-field on its fieldset)
    var fieldset = document.querySelector('fieldset[data-indicator="' + code + '"]');
    var values = chosenAnswer(code, (fieldset && fieldset.getAttribute("data-answer-field")) || "level");
    if (values === null) {
      return false;
    }
    // the rule's shape says how it is checked (domain/answer_types, `evidence_rule`): the
    // values that need a file, points to reach, or thresholds of a number
    if (rule.values) {
      return values.length === 1 && rule.values.indexOf(values[0]) !== -1;
    }
    if (rule.points) {
      var points = 0;
      values.forEach(function (value) {
        points += rule.points[value] || 0;
      });
      return values.length > 0 && points >= rule.needed - 1e-9;
    }
    var number = values.length ? parseFloat(values[0].replace(",", ".")) : NaN;
    if (isNaN(number) || (rule.minimum !== null && number < rule.minimum) || (rule.maximum !== null && number > rule.maximum)) {
      return false;
    }
    var level = null;
    rule.thresholds.forEach(function (threshold) {
      if (level === null || number >= threshold[0]) {
        level = threshold[1];
      }
    });
    return level !== null && level >= rule.from;
  }

  function showNeeded(section) {
    var code = section.getAttribute("data-indicator");
    var warning = document.getElementById("evidence-needed-" + code);
    var list = document.getElementById("evidence-list-" + code);
    if (!warning) {
      return;
    }
    var rule = JSON.parse(section.getAttribute("data-evidence-rule"));
    var files = list ? list.querySelectorAll("li").length : 0;
    warning.hidden = files > 0 || !needsEvidence(code, rule);
  }

  function sectionOf(code) {
    return document.getElementById("evidence-section-" + code);
  }

  var ruled = document.querySelectorAll(".evidence[data-evidence-rule]");
  ruled.forEach(function (section) {
    var code = section.getAttribute("data-indicator");
    var fieldset = document.getElementById("indicator-" + code);
    ["change", "input"].forEach(function (name) {
      if (fieldset) {
        fieldset.addEventListener(name, function (event) {
          if (event.target && event.target.type !== "file" && event.target.tagName !== "TEXTAREA") {
            showNeeded(section);
          }
        });
      }
    });
    showNeeded(section);
  });

  if (!form || !window.FormData || !window.XMLHttpRequest || !window.JSON) {
    // file inputs are checked for their size only; the Save button sends them with the form
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.matches && target.matches('input[type="file"][data-max-bytes]')) {
        check(target);
      }
    });
    return;
  }

  // --- sending files at once ------------------------------------------------------------------

  var url = form.getAttribute("data-evidence-url");
  var owner = form.getAttribute("data-evidence-owner");
  var loginUrl = form.getAttribute("data-login-url");
  var uploads = {}; // upload key -> {key, code, name, size, blob, kept, state, row, timer, delay}
  var deferred = null; // the Save button (or true) of a save waiting for uploads
  var submitting = false;

  function text(name) {
    return form.getAttribute("data-etext-" + name) || "";
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function csrfToken() {
    var token = form.elements.csrf_token;
    return token ? token.value : "";
  }

  // --- IndexedDB: the files not uploaded yet, kept across reloads, closed tabs, time offline ---

  var DB_NAME = "smartcity-evidence";
  var STORE = "uploads";
  var database = null;
  var ready = openDatabase().then(function (opened) {
    database = opened;
  });

  function openDatabase() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) {
        resolve(null);
        return;
      }
      try {
        var request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "key" });
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          resolve(null);
        };
        request.onblocked = function () {
          resolve(null);
        };
      } catch (error) {
        resolve(null); // storage disabled (private window, policy): files wait in memory only
      }
    });
  }

  function transaction(mode, work) {
    return ready.then(function () {
      return stored(mode, work);
    });
  }

  function stored(mode, work) {
    return new Promise(function (resolve) {
      if (!database) {
        resolve(false);
        return;
      }
      try {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(result && result.result !== undefined ? result.result : true);
        };
        tx.onerror = tx.onabort = function () {
          resolve(false); // full or refused: the page says the file is not kept
        };
      } catch (error) {
        resolve(false);
      }
    });
  }

  function keep(upload) {
    return transaction("readwrite", function (store) {
      return store.put({
        key: upload.key,
        owner: owner,
        code: upload.code,
        name: upload.name,
        size: upload.size,
        type: upload.blob.type,
        blob: upload.blob,
        at: Date.now()
      });
    }).then(function (kept) {
      upload.kept = kept === true || Boolean(kept);
    });
  }

  function forget(upload) {
    upload.kept = false;
    return transaction("readwrite", function (store) {
      return store["delete"](upload.key);
    });
  }

  function keptUploads() {
    return transaction("readonly", function (store) {
      return store.getAll();
    }).then(function (rows) {
      return Array.isArray(rows) ? rows : [];
    });
  }

  // --- what the page shows --------------------------------------------------------------------

  function uploadList(code) {
    var list = document.getElementById("evidence-uploads-" + code);
    if (!list) {
      var input = document.getElementById("evidence-" + code);
      var field = input ? input.closest(".field") : null;
      list = document.createElement("ul");
      list.id = "evidence-uploads-" + code;
      list.className = "evidence-uploads";
      list.setAttribute("aria-label", text("uploads") + " " + code);
      sectionOf(code).insertBefore(list, field);
    }
    return list;
  }

  function render(upload, message, kind, withLogin) {
    if (!upload.row) {
      upload.row = document.createElement("li");
      upload.row.setAttribute("data-upload-key", upload.key);
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = upload.name;
      upload.row.appendChild(name);
      upload.progress = document.createElement("progress");
      upload.progress.max = 100;
      upload.progress.value = 0;
      upload.progress.setAttribute("aria-label", upload.name);
      upload.row.appendChild(upload.progress);
      upload.status = document.createElement("span");
      upload.status.className = "upload-status";
      upload.status.setAttribute("role", "status");
      upload.row.appendChild(upload.status);
      uploadList(upload.code).appendChild(upload.row);
    }
    upload.row.className = "upload upload-" + kind;
    upload.progress.hidden = kind !== "sending";
    upload.status.textContent = message;
    if (withLogin && loginUrl) {
      var link = document.createElement("a");
      link.href = loginUrl;
      link.textContent = text("login-link");
      upload.status.appendChild(document.createTextNode(" "));
      upload.status.appendChild(link);
    }
    if (kind === "refused") {
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "link-button";
      dismiss.textContent = text("dismiss");
      dismiss.addEventListener("click", function () {
        drop(upload);
      });
      upload.status.appendChild(document.createTextNode(" "));
      upload.status.appendChild(dismiss);
    }
  }

  function drop(upload) {
    if (upload.row && upload.row.parentNode) {
      upload.row.parentNode.removeChild(upload.row);
    }
    delete uploads[upload.key];
  }

  function listed(code, html) {
    var list = document.getElementById("evidence-list-" + code);
    var none = document.getElementById("evidence-none-" + code);
    if (!list) {
      return;
    }
    // the same file answered twice (a retry while the first request was still on its way:
    // the server keeps one file per upload key) is listed once
    var holder = document.createElement("ul");
    holder.innerHTML = html;
    var item = holder.firstElementChild;
    var id = item && item.getAttribute("data-evidence-id");
    var same = id && list.querySelector('li[data-evidence-id="' + id + '"]');
    if (same) {
      same.replaceWith(item);
    } else if (item) {
      list.appendChild(item);
    }
    list.hidden = false;
    if (none) {
      none.hidden = true;
    }
    var section = sectionOf(code);
    if (section && section.hasAttribute("data-evidence-rule")) {
      showNeeded(section);
    }
  }

  // --- sending --------------------------------------------------------------------------------

  function waiting(upload, offline) {
    upload.state = "failed";
    render(upload, upload.kept ? text(offline ? "waiting" : "retrying") : text("unkept"), "failed");
    if (!offline) {
      upload.delay = Math.min(LAST_RETRY_MS, upload.delay ? upload.delay * 2 : FIRST_RETRY_MS);
      upload.timer = window.setTimeout(function () {
        upload.timer = null;
        send(upload);
      }, upload.delay);
    }
  }

  function send(upload) {
    if (upload.state === "sending" || upload.state === "done") {
      return;
    }
    if (upload.timer) {
      window.clearTimeout(upload.timer);
      upload.timer = null;
    }
    if (navigator.onLine === false) {
      waiting(upload, true); // sent by the "online" event
      settled();
      return;
    }
    upload.state = "sending";
    render(upload, text("uploading"), "sending");
    upload.progress.value = 0;
    var body = new FormData();
    body.append("indicator", upload.code);
    body.append("upload_key", upload.key);
    body.append("file", upload.blob, upload.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && upload.progress) {
        upload.progress.value = Math.round((event.loaded / event.total) * 100);
      }
    });
    xhr.onload = function () {
      var data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch (error) {
        data = {};
      }
      answered(upload, xhr.status, data, xhr.responseURL || "");
    };
    xhr.onerror = xhr.ontimeout = function () {
      waiting(upload, navigator.onLine === false);
      settled();
    };
    xhr.send(body);
  }

  function messageOf(data) {
    if (data && typeof data.message === "string") {
      return data.message;
    }
    return data && data.error && data.error.message ? data.error.message : "";
  }

  function answered(upload, status, data, responseUrl) {
    reply(upload, status, data, responseUrl);
    settled();
  }

  function reply(upload, status, data, responseUrl) {
    if ((status === 200 || status === 201) && data.html !== undefined) {
      upload.state = "done";
      forget(upload);
      drop(upload);
      if (!data.removed) {
        listed(upload.code, data.html);
      }
    } else if (status === 401 || (status === 200 && responseUrl.indexOf("/login") !== -1)) {
      // kept: sent when the page is opened again after logging in, so leaving is the way on
      upload.state = upload.kept ? "blocked" : "failed";
      render(upload, upload.kept ? text("login") : text("unkept"), "failed", true);
    } else if (status === 400 && data.error === "csrf") {
      upload.state = upload.kept ? "blocked" : "failed";
      render(upload, upload.kept ? text("reload") : text("unkept"), "failed");
    } else if (status >= 500 || status === 429 || status === 0 || status === 200) {
      waiting(upload, false); // the server's trouble (the storage full: 507): tried again later
      if (status === 507 && messageOf(data)) {
        upload.status.textContent = messageOf(data) + " " + upload.status.textContent;
      }
    } else {
      // refused for good (type, size, limits, a closed assessment): say why; nothing to keep
      upload.state = "refused";
      forget(upload);
      render(upload, messageOf(data) || String(status), "refused");
    }
  }

  function add(code, blob, name, key, restored) {
    var upload = {
      key: key || newKey(),
      code: code,
      name: name,
      size: blob.size,
      blob: blob,
      kept: false,
      state: "new",
      row: null,
      timer: null,
      delay: 0
    };
    uploads[upload.key] = upload;
    render(upload, restored ? text("restored") : text("uploading"), "sending");
    if (restored) {
      upload.kept = true;
      send(upload);
    } else {
      // kept before it is sent: a tab closed half-way through loses nothing
      keep(upload).then(function () {
        send(upload);
      });
    }
  }

  function inState(states) {
    return Object.keys(uploads).some(function (key) {
      return states.indexOf(uploads[key].state) !== -1;
    });
  }

  function pending() {
    return inState(["new", "sending", "failed"]);
  }

  function unkept() {
    return Object.keys(uploads).some(function (key) {
      var upload = uploads[key];
      return upload.state === "failed" && !upload.kept;
    });
  }

  // the Save button pressed while a file is on its way: saved once every upload has settled
  // (the page comes back after the save; files kept in this browser are sent again then)
  function settled() {
    if (deferred !== null && !inState(["new", "sending"])) {
      var submitter = deferred;
      deferred = null;
      if (submitter && submitter !== true && form.requestSubmit) {
        form.requestSubmit(submitter);
      } else if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        submitting = true;
        form.submit();
      }
    }
  }

  function removeFile(button) {
    var item = button.closest("li");
    var list = item ? item.parentNode : null;
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    button.disabled = true;
    window
      .fetch(button.getAttribute("data-remove-url"), { method: "POST", credentials: "same-origin", headers: headers })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (response.status === 200 || response.status === 404) {
              return null; // removed now, or already before
            }
            return messageOf(data) || String(response.status);
          });
      })
      .catch(function () {
        return text("remove-failed");
      })
      .then(function (problem) {
        button.disabled = false;
        var old = item.querySelector(".remove-error");
        if (old) {
          item.removeChild(old);
        }
        if (problem) {
          var message = document.createElement("span");
          message.className = "field-error remove-error";
          message.setAttribute("role", "alert");
          message.textContent = " " + problem;
          item.appendChild(message);
          return;
        }
        var code = list.id.replace("evidence-list-", "");
        list.removeChild(item);
        if (!list.querySelector("li")) {
          list.hidden = true;
          var none = document.getElementById("evidence-none-" + code);
          if (none) {
            none.hidden = false;
          }
        }
        var section = sectionOf(code);
        if (section && section.hasAttribute("data-evidence-rule")) {
          showNeeded(section);
        }
      });
  }

  // --- start ------------------------------------------------------------------------------------

  form.querySelectorAll('input[type="file"][data-max-bytes]').forEach(function (input) {
    var code = input.id.replace("evidence-", "");
    var help = document.getElementById("evidence-help-" + code);
    if (help && text("help")) {
      help.textContent = text("help");
    }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var large = tooLarge(input, files);
      warnTooLarge(input, large);
      files.forEach(function (file) {
        if (large.indexOf(file.name) === -1) {
          add(code, file, file.name);
        }
      });
      input.value = ""; // handed to the upload: the Save button must not send it again
    });
  });

  keptUploads().then(function (rows) {
    rows.forEach(function (row) {
      if (row.owner === owner && sectionOf(row.code) && !uploads[row.key]) {
        add(row.code, row.blob, row.name, row.key, true);
      }
    });
  });

  window.addEventListener("online", function () {
    Object.keys(uploads).forEach(function (key) {
      if (uploads[key].state === "failed") {
        uploads[key].delay = 0;
        send(uploads[key]);
      }
    });
  });

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) {
      return;
    }
    if (inState(["new", "sending"])) {
      event.preventDefault();
      deferred = event.submitter || true;
      return;
    }
    submitting = true;
  });

  // any way of leaving (a link, back, reload, closing the tab) asks while a file is not
  // uploaded; the form's own save comes back to this page, where kept files are sent again
  window.addEventListener("beforeunload", function (event) {
    if (submitting ? unkept() : pending()) {
      event.preventDefault();
      event.returnValue = text("leave");
      return text("leave");
    }
    return undefined;
  });
})();
