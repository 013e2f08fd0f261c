/* Petition widget resizer, for the page that embeds a campaign's widget. Include it once, after the
   iframe(s), from the platform's own address:

     <iframe src="https://PLATFORM/embed/SLUG?lang=nl" title="..." width="100%" height="320"
             loading="lazy" data-petition-embed></iframe>
     <script src="https://PLATFORM/static/embed.js" async></script>

   The widget posts its height ({type: "petition-embed:height", height}) whenever it changes, and when
   this script asks ({type: "petition-embed:ask"}, for a widget that loaded before it); this
   script accepts the message only from the origin it was itself loaded from, only for the iframe that
   sent it, and sets that iframe's height attribute (no inline style, so a strict Content-Security-
   Policy on the host page is no obstacle). Without this script, or without JavaScript, the iframe keeps
   the height its snippet gives: the fixed-size snippet is the fallback. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.petitionEmbedResizer) { return; }
  window.petitionEmbedResizer = true;
  var origin = new URL(script.src, window.location.href).origin;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "petition-embed:height") { return; }
    var height = Math.ceil(Number(data.height));
    if (!isFinite(height) || height < 40 || height > 4000) { return; }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        frames[i].setAttribute("height", String(height));
      }
    }
  });
  // A widget that loaded before this script did has told its height to nobody: ask each one again.
  function ask(frame) {
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({ type: "petition-embed:ask" }, origin);
    }
  }
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i += 1) {
    if (frames[i].src.indexOf(origin + "/embed/") === 0) {
      ask(frames[i]);
      frames[i].addEventListener("load", ask.bind(null, frames[i]));
    }
  }
}());
