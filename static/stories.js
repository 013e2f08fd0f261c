/* "Leave this page quickly": replace this page with a neutral site, so that the back button does not
   lead back to it. Our own script, loaded from our own host; nothing else is loaded. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) { return; }
    event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  });
})();
