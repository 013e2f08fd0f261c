/* Inside the campaign widget (/embed/<slug>): tell the page that frames it how tall the widget is, each
   time that changes, so that static/embed.js on that page can give the iframe exactly that height.
   The message holds nothing but the height; nothing is read from the framing page. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = 0;
  function send() {
    var card = document.querySelector(".embed-card");
    if (!card) { return; }
    var height = Math.ceil(card.getBoundingClientRect().bottom + window.scrollY);
    if (height === last) { return; }
    last = height;
    window.parent.postMessage({ type: "petition-embed:height", height: height }, "*");
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(send).observe(document.documentElement);
  }
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "petition-embed:ask") {
      last = 0;
      send();
    }
  });
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  send();
}());
