/* The share step, enhanced: copy a link or a message with one click, and open the browser's own share
   sheet where it has one (the Signal button too: Signal has no share link that carries a message). Without this file everything still works: the fields can be selected and
   copied by hand, and the share links are plain links. Loaded from this site only (no inline script). */
(function () {
  "use strict";

  function box(element) {
    return element.closest("[data-share-box]");
  }

  function announce(element, message) {
    var container = box(element);
    var status = container && container.querySelector("[data-copy-status]");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  function copyFrom(field) {
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    return new Promise(function (resolve, reject) {
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy refused")); }
      } catch (error) {
        reject(error);
      }
    });
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (control) {
    control.hidden = false;
    control.addEventListener("click", function (event) {
      var field = document.getElementById(control.getAttribute("data-copy-target"));
      if (!field) { return; }
      event.preventDefault();
      var container = box(control);
      copyFrom(field).then(
        function () { announce(control, container ? container.getAttribute("data-copied") : ""); },
        function () { /* the text stays selected: the visitor can copy it by hand */ }
      );
    });
  });

  document.querySelectorAll("textarea[readonly], input[readonly]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  if (navigator.share) {
    /* A share sheet (phones, and some desktops): Signal and other apps are in it, so the Signal button and
       "Share with another app" appear, and the words about copying the link for Signal go. */
    document.querySelectorAll("[data-native-share-item]").forEach(function (item) { item.hidden = false; });
    document.querySelectorAll("[data-without-native-share]").forEach(function (item) { item.hidden = true; });
    document.querySelectorAll("[data-native-share]").forEach(function (button) {
      button.addEventListener("click", function () {
        navigator.share({
          title: button.getAttribute("data-share-title"),
          text: button.getAttribute("data-share-text"),
          url: button.getAttribute("data-share-url")
        }).catch(function () { /* cancelled */ });
      });
    });
  }
})();
