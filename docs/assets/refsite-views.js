/* Progressive enhancement of the views: filters for the stance grid, zoom for the timeline.
   Without this script every row and every year is shown. */
(function () {
  "use strict";

  function choice(label, options, name) {
    var wrap = document.createElement("label");
    wrap.appendChild(document.createTextNode(label + " "));
    var select = document.createElement("select");
    if (name) select.dataset.filter = name;
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = o[0];
      opt.textContent = o[1];
      select.appendChild(opt);
    });
    wrap.appendChild(select);
    return wrap;
  }

  function options(rows, key) {
    var seen = {};
    rows.forEach(function (tr) { seen[tr.dataset[key]] = tr.dataset[key + "Label"] || tr.dataset[key]; });
    var list = Object.keys(seen).map(function (k) { return [k, seen[k]]; });
    list.sort(function (a, b) { return a[1].localeCompare(b[1]); });
    return [["", "all"]].concat(list);
  }

  function filters(root) {
    var box = root.querySelector(".refsite-grid-filters");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    var rows = Array.prototype.slice.call(root.querySelectorAll("table.refsite-grid tbody tr[data-kind]"));
    var groups = Array.prototype.slice.call(root.querySelectorAll("table.refsite-grid tbody"));
    box.appendChild(choice("Actor kind", options(rows, "kind"), "kind"));
    box.appendChild(choice("Country", options(rows, "country"), "country"));
    box.hidden = false;
    var selects = box.querySelectorAll("select[data-filter]");
    function apply() {
      var want = {};
      selects.forEach(function (s) { want[s.dataset.filter] = s.value; });
      rows.forEach(function (tr) {
        var ok = Object.keys(want).every(function (k) { return !want[k] || tr.dataset[k] === want[k]; });
        tr.hidden = !ok;
      });
      // a proposal none of whose actors is shown is left out, its heading too
      groups.forEach(function (g) { g.hidden = !g.querySelector("tr[data-kind]:not([hidden])"); });
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
  }

  var SVGNS = "http://www.w3.org/2000/svg";

  function zoom(root) {
    var bar = root.querySelector(".refsite-timeline-zoom");
    var svg = root.querySelector("svg.refsite-timeline-svg");
    if (!bar || !svg || bar.dataset.ready) return;
    bar.dataset.ready = "1";
    var t0 = Number(svg.dataset.t0), t1 = Number(svg.dataset.t1);
    var decades = [["", "whole span"]];
    for (var d = t0 - (t0 % 10); d < t1; d += 10) {
      decades.push([Math.max(d, t0) + " " + Math.min(d + 10, t1), d + "s"]);
    }
    bar.appendChild(choice("Zoom to a decade", decades, ""));
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
      r.dataset.x = r.getAttribute("x"); r.dataset.w = r.getAttribute("width");
      if (t) t.dataset.x = t.getAttribute("x");  // an era too narrow for its name has none
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
          if (t) t.setAttribute("x", t.dataset.x);
          return;
        }
        var lo = Math.max(a, d0), hi = Math.min(b, d1);
        g.style.display = hi > lo ? "" : "none";
        r.setAttribute("x", x(lo, d0, d1).toFixed(1));
        r.setAttribute("width", Math.max(x(hi, d0, d1) - x(lo, d0, d1), 0.5).toFixed(1));
        if (t) t.setAttribute("x", (x(lo, d0, d1) + 2).toFixed(1));
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
        [["x", xx], ["y", axisY + 21], ["font-size", "15"], ["text-anchor", "middle"]].forEach(function (a) {
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

  // A map wider than a narrow screen opens on its middle, where the disputed islands and their labels lie.
  function mapStart(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    if (box.scrollWidth > box.clientWidth) box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2;
  }

  function init() {
    document.querySelectorAll(".refsite-map-scroll").forEach(mapStart);
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
