// Adds a "Copy citation" button after each [data-copy-button] element. Without this
// script (or without clipboard access) the citation stays plain selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("[data-copy-button]").forEach(function (source) {
    var button = document.createElement("button");
    var status = document.createElement("span");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy citation";
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () { status.textContent = "Copied."; },
        function () { status.textContent = "Could not copy: select the text instead."; }
      );
    });
    source.after(button, status);
  });
})();
