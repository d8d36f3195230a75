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

  var SVGNS = "http://www.w3.org/2000/svg";

  function zoom(root) {
    var bar = root.querySelector(".refsite-timeline-zoom");
    var svg = root.querySelector("svg.refsite-timeline-svg");
    if (!bar || !svg || bar.dataset.ready) return;
    bar.dataset.ready = "1";
    bar.hidden = false;
    var left = Number(svg.dataset.left), right = Number(svg.dataset.right);
    var axis = svg.querySelector(".refsite-tl-axis");
    var axisY = Number(axis.dataset.y);
    var marks = svg.querySelectorAll(".refsite-tl-mark[data-t] circle");
    var eras = svg.querySelectorAll(".refsite-tl-era");
    var items = root.querySelectorAll(".refsite-tl-list li[data-t]");
    marks.forEach(function (c) { c.dataset.cx = c.getAttribute("cx"); });
    eras.forEach(function (g) {
      var r = g.querySelector("rect"), t = g.querySelector("text");
      r.dataset.x = r.getAttribute("x"); r.dataset.w = r.getAttribute("width"); t.dataset.x = t.getAttribute("x");
    });
    var zoomed = null;
    function x(t, d0, d1) { return left + (t - d0) / (d1 - d0) * (right - left); }
    function show(d0, d1) {
      if (zoomed) { zoomed.remove(); zoomed = null; }
      var whole = d0 === null;
      axis.style.display = whole ? "" : "none";
      marks.forEach(function (c) {
        var t = Number(c.parentNode.dataset.t);
        var inside = whole || (t >= d0 && t < d1);
        c.parentNode.style.display = inside ? "" : "none";
        c.setAttribute("cx", whole ? c.dataset.cx : x(t, d0, d1).toFixed(1));
      });
      eras.forEach(function (g) {
        var r = g.querySelector("rect"), t = g.querySelector("text");
        var a = Number(g.dataset.a), b = Number(g.dataset.b);
        if (whole) {
          g.style.display = ""; r.setAttribute("x", r.dataset.x); r.setAttribute("width", r.dataset.w);
          t.setAttribute("x", t.dataset.x); return;
        }
        var lo = Math.max(a, d0), hi = Math.min(b, d1);
        g.style.display = hi > lo ? "" : "none";
        r.setAttribute("x", x(lo, d0, d1).toFixed(1));
        r.setAttribute("width", Math.max(x(hi, d0, d1) - x(lo, d0, d1), 0.5).toFixed(1));
        t.setAttribute("x", (x(lo, d0, d1) + 2).toFixed(1));
      });
      items.forEach(function (li) {
        var t = Number(li.dataset.t);
        li.hidden = !(whole || (t >= d0 && t < d1));
      });
      if (whole) return;
      zoomed = document.createElementNS(SVGNS, "g");
      zoomed.setAttribute("class", "refsite-tl-axis refsite-tl-axis-zoomed");
      var line = document.createElementNS(SVGNS, "line");
      [["x1", left], ["x2", right], ["y1", axisY], ["y2", axisY], ["stroke", "#555"]].forEach(function (a) {
        line.setAttribute(a[0], a[1]);
      });
      zoomed.appendChild(line);
      for (var y = d0; y < d1; y++) {
        var tick = document.createElementNS(SVGNS, "line");
        var xx = x(y, d0, d1).toFixed(1);
        [["x1", xx], ["x2", xx], ["y1", axisY], ["y2", axisY + 4], ["stroke", "#555"]].forEach(function (a) {
          tick.setAttribute(a[0], a[1]);
        });
        var label = document.createElementNS(SVGNS, "text");
        [["x", xx], ["y", axisY + 15], ["font-size", "10"], ["text-anchor", "middle"]].forEach(function (a) {
          label.setAttribute(a[0], a[1]);
        });
        label.textContent = String(y);
        zoomed.appendChild(tick);
        zoomed.appendChild(label);
      }
      svg.appendChild(zoomed);
    }
    var select = bar.querySelector("select");
    select.addEventListener("change", function () {
      if (!select.value) { show(null, null); return; }
      var parts = select.value.split(" ").map(Number);
      show(parts[0], parts[1]);
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
