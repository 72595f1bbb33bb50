// The review queue (volunteer/queue.html): after an htmx decision, move the keyboard focus on.
// A decided row (data-focus-next) sends it to the next pledge still to review, which is the
// next card's first control once its own card is done; a bulk decision (data-focus-first on
// the list) to the first card's. The live region (#queue-announce) says what happened.
(function () {
  "use strict";
  function moveFocus() {
    var done = document.querySelector("[data-focus-next]");
    if (done) {
      done.removeAttribute("data-focus-next");
      var boxes = document.querySelectorAll("input.select-suggestion");
      for (var i = 0; i < boxes.length; i++) {
        if (done.compareDocumentPosition(boxes[i]) & Node.DOCUMENT_POSITION_FOLLOWING) {
          boxes[i].focus();
          return;
        }
      }
      return;
    }
    var list = document.querySelector("[data-focus-first]");
    if (list) {
      list.removeAttribute("data-focus-first");
      var first = list.querySelector("input.select-suggestion");
      if (first) {
        first.focus();
      }
    }
  }
  document.addEventListener("htmx:afterSettle", moveFocus);
  document.addEventListener("htmx:load", function () {
    window.setTimeout(moveFocus, 0);
  });
})();
