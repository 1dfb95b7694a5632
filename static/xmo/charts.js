// Draws every <div data-plotly="json-script-id"> with the figure JSON found in that script.
(function () {
  "use strict";
  var config = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = Array.prototype.slice.call(scope.querySelectorAll("[data-plotly]"));
    if (scope.matches && scope.matches("[data-plotly]")) {
      nodes.push(scope);
    }
    nodes.forEach(function (el) {
      if (el.getAttribute("data-drawn") === "1") {
        return;
      }
      var source = document.getElementById(el.getAttribute("data-plotly"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign(
        { font: { family: "system-ui, sans-serif", size: 12 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)" },
        figure.layout || {}
      );
      el.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(el, figure.data || [], layout, config);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.target);
  });
})();
