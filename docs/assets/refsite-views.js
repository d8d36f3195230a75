/* Progressive enhancement of the views: filters for the stance grid, zoom for the timeline.
   Without this script every row and every year is shown. */
(function () {
  "use strict";

  function filters(root) {
    var box = root.querySelector(".refsite-grid-filters");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    box.hidden = false;
    var selects = box.querySelectorAll("select[data-filter]");
    function apply() {
      var want = {};
      selects.forEach(function (s) { want[s.dataset.filter] = s.value; });
      root.querySelectorAll("tbody tr").forEach(function (tr) {
        var ok = Object.keys(want).every(function (k) { return !want[k] || tr.dataset[k] === want[k]; });
        tr.hidden = !ok;
      });
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
  }

  function zoom(root) {
    var bar = root.querySelector(".refsite-timeline-zoom");
    var svg = root.querySelector("svg.refsite-timeline-svg");
    if (!bar || !svg || bar.dataset.ready) return;
    bar.dataset.ready = "1";
    bar.hidden = false;
    var full = svg.getAttribute("viewBox");
    var select = bar.querySelector("select");
    select.addEventListener("change", function () {
      var v = select.value;
      if (!v) { svg.setAttribute("viewBox", full); root.classList.remove("refsite-zoomed"); return; }
      var parts = v.split(" ").map(Number);
      var box = full.split(" ").map(Number);
      svg.setAttribute("viewBox", [parts[0], box[1], parts[1] - parts[0], box[3]].join(" "));
      root.classList.add("refsite-zoomed");
    });
  }

  function init() {
    document.querySelectorAll("[data-refsite-filter]").forEach(filters);
    document.querySelectorAll(".refsite-timeline").forEach(zoom);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
