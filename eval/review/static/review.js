// Staff review app: small helpers, no framework. Everything also works without JavaScript.
"use strict";

// Offsets of the current selection inside a message element (its text content).
function selectionOffsets(element) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!element.contains(range.startContainer) || !element.contains(range.endContainer)) return null;
  const before = document.createRange();
  before.selectNodeContents(element);
  before.setEnd(range.startContainer, range.startOffset);
  const start = before.toString().length;
  const text = range.toString();
  return { start: start, end: start + text.length, text: text };
}

document.addEventListener("DOMContentLoaded", function () {
  // "Use selection": the selected part of the resident's message fills the blank entity row.
  let lastSelection = null;
  document.querySelectorAll(".message-text").forEach(function (element) {
    element.addEventListener("mouseup", function () {
      const offsets = selectionOffsets(element);
      if (offsets) lastSelection = { event: element.dataset.event, offsets: offsets };
    });
  });
  document.querySelectorAll("button.use-selection").forEach(function (button) {
    button.addEventListener("click", function () {
      const form = button.closest("form");
      if (!form || !lastSelection || lastSelection.event !== form.dataset.event) return;
      const row = button.closest(".entity-row");
      row.querySelector("input[name=value]").value = lastSelection.offsets.text;
      row.querySelector("input[name=start]").value = String(lastSelection.offsets.start);
      row.querySelector("input[name=end]").value = String(lastSelection.offsets.end);
    });
  });
});
