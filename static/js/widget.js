/* Inside the widget's iframe: tell the partner page how tall our content is, so that
   static/embed.js can size the iframe. Sent on load, on every resize of the content
   (ResizeObserver: fonts, images, a narrower frame), and by each new document, so a
   language change (a new ?lang= URL) reports its own height.

   Target origin "*": the message carries only a height, which is not secret (anyone
   can load this public page and measure it). Restricting it to document.referrer
   would break every partner whose Referrer-Policy hides the referrer (no-referrer),
   and the receiving side is what must be strict: embed.js accepts the message only
   from our origin and only from its own iframes. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = -1;

  function post() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) {
      return;
    }
    last = height;
    window.parent.postMessage({ type: "pledge-tracker:height", height: height }, "*");
  }

  window.addEventListener("load", post);
  if ("ResizeObserver" in window) {
    new ResizeObserver(post).observe(document.documentElement);
  } else {
    window.addEventListener("resize", post);
  }
  document.addEventListener("DOMContentLoaded", post);
})();
