// Renders the report's charts as static Plotly figures (same look on screen and paper).
(function () {
  "use strict";
  var PRINT_WIDTH = 680; // 180 mm at 96 dpi: the A4 text width of the print stylesheet
  var source = document.getElementById("report-charts");
  var charts = source ? JSON.parse(source.textContent) : {};

  function widthFor(node) {
    var w = node.clientWidth || PRINT_WIDTH;
    return Math.max(280, Math.min(w, PRINT_WIDTH));
  }

  function draw(width) {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var list = charts[node.getAttribute("data-chart")] || [];
      var fig = list[Number(node.getAttribute("data-index"))];
      if (!fig) { return; }
      var w = width || widthFor(node);
      var layout = Object.assign({}, fig.layout, { width: w });
      if (w < 600 && layout.xaxis && layout.xaxis.type === "category") {
        // Narrow screens: every third month, so labels never collide.
        layout.xaxis = Object.assign({}, layout.xaxis, { dtick: 3, tickangle: 0 });
      }
      window.Plotly.react(node, fig.data, layout, { staticPlot: true, displayModeBar: false, responsive: false });
    });
  }

  draw();
  var timer;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(function () { draw(); }, 150); });
  window.addEventListener("beforeprint", function () { draw(PRINT_WIDTH); });
  window.addEventListener("afterprint", function () { draw(); });
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
  document.documentElement.setAttribute("data-charts-ready", "1");
})();
