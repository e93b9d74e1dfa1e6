/* Starts Det Fælles Designsystem's components (a static file: the Content-Security-Policy
   allows no inline script). The label of dkfds's overflow menu button comes from the page,
   translated, in this script tag's data-more-label. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!window.DKFDS) {
    return;
  }
  window.DKFDS.init();
  var more = script && script.getAttribute("data-more-label");
  if (more) {
    document.querySelectorAll(".more-button > span").forEach(function (label) {
      label.textContent = more;
    });
  }
})();
