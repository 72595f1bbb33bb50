// The programme page (admin/programmes/programme.html): selecting text with the mouse
// chooses the passage. The selection's ends, inside the paragraphs' texts (each
// span.paragraph-text holds exactly its text, its offset in the page in data-start),
// become character offsets in the page; they check the hidden radios named "start"
// and "end", so the form sends the same fields as without JavaScript. The server
// recomputes the passage from these offsets: nothing typed here is ever quoted.
(function () {
  "use strict";
  function offsetOf(node, offset) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
    var span = element && element.closest ? element.closest(".paragraph-text") : null;
    if (!span) {
      return null;
    }
    var start = parseInt(span.getAttribute("data-start"), 10);
    if (node.nodeType !== Node.TEXT_NODE) {
      offset = offset > 0 ? span.textContent.length : 0;
    }
    return start + Math.min(offset, span.textContent.length);
  }
  function choose() {
    var form = document.getElementById("passage-form");
    var selection = window.getSelection();
    if (!form || !selection || selection.isCollapsed || selection.rangeCount === 0) {
      return;
    }
    var range = selection.getRangeAt(0);
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start || !form.contains(range.startContainer)) {
      return;
    }
    var startBox = document.getElementById("selection-start");
    var endBox = document.getElementById("selection-end");
    startBox.value = String(start);
    endBox.value = String(end);
    startBox.checked = true;
    endBox.checked = true;
    document.getElementById("selection-text").textContent = selection.toString().trim();
    document.getElementById("passage-selection").hidden = false;
  }
  document.addEventListener("mouseup", choose);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey) {
      choose();
    }
  });
})();
