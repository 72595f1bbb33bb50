/* Pledge tracker embed script for partner sites (our own few lines, no dependency).
   Usage: <div data-pledge-tracker="candidates/ELECTION/CANDIDATE"></div> (or "pledges/ID"),
   optional data-lang="en", data-theme="dark", data-compact; then
   <script async src="…/static/embed.js"></script> served from our site (the snippet has the full URL).
   Each div becomes an iframe to our /embed/ page; the iframe's height follows its content
   through postMessage, accepted only from our origin and only from the iframes made here. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var origin = new URL(script.src).origin;
  var PATH = /^(candidates\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+|pledges\/[0-9]+)$/;
  var frames = [];

  function mount(div) {
    var path = div.getAttribute("data-pledge-tracker") || "";
    if (!PATH.test(path)) {
      return;
    }
    var url = new URL("/embed/" + path, origin);
    ["lang", "theme"].forEach(function (name) {
      var value = div.getAttribute("data-" + name);
      if (value) {
        url.searchParams.set(name, value);
      }
    });
    if (div.hasAttribute("data-compact")) {
      url.searchParams.set("compact", "1");
    }
    var frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = div.getAttribute("data-title") || div.getAttribute("aria-label") || "Suivi des engagements";
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("scrolling", "no");
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.height = (div.getAttribute("data-height") || "300") + "px";
    frame.style.display = "block";
    div.replaceWith(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) {
      return;
    }
    var data = event.data;
    if (!data || data.type !== "pledge-tracker:height" || typeof data.height !== "number") {
      return;
    }
    var height = Math.max(0, Math.min(Math.ceil(data.height), 20000));
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = height + "px";
        return;
      }
    }
  });

  function mountAll() {
    var divs = document.querySelectorAll("div[data-pledge-tracker]");
    for (var i = 0; i < divs.length; i++) {
      mount(divs[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
