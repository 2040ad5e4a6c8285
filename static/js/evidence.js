/* Evidence files on the dimension page: warn about (and unselect) files above the size limit
   before they are sent, and ask before removing an attached file. The page works without it:
   the server checks everything again. No inline script: the CSP forbids it. */
(function () {
  "use strict";

  function tooLarge(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var names = [];
    if (!limit || !input.files) {
      return names;
    }
    for (var i = 0; i < input.files.length; i += 1) {
      if (input.files[i].size > limit) {
        names.push(input.files[i].name);
      }
    }
    return names;
  }

  function check(input) {
    var warning = document.getElementById(input.getAttribute("data-warning"));
    var names = tooLarge(input);
    if (!warning) {
      return names.length === 0;
    }
    if (names.length) {
      // a FileList cannot lose one file: clear the choice and say which file was too large
      input.value = "";
      warning.textContent = (input.getAttribute("data-too-large") || "").replace("{names}", names.join(", "));
      warning.hidden = false;
      return false;
    }
    warning.textContent = "";
    warning.hidden = true;
    return true;
  }

  function fileInputs(root) {
    return root.querySelectorAll('input[type="file"][data-max-bytes]');
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches('input[type="file"][data-max-bytes]')) {
      check(target);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var inputs = fileInputs(event.target);
    var first = null;
    for (var i = 0; i < inputs.length; i += 1) {
      if (!check(inputs[i]) && first === null) {
        first = inputs[i];
      }
    }
    if (first !== null) {
      // the too-large files were unselected: let the person see why before sending the rest
      event.preventDefault();
      first.focus();
    }
  });
})();
