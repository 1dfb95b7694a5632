// Dashboard charts: draws every <div data-plotly="json-script-id"> with Plotly, again after
// each htmx swap, and opens the segment behind a clicked heat-map cell. No inline scripts
// (the Content-Security-Policy forbids them): figures arrive as json_script blocks.
(function () {
  "use strict";

  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  var localeReady = false;

  // The page's language for Plotly (month names on date axes and in hovers, separators):
  // a json_script "plotly-locale" the server writes in the reader's language (none in English).
  function useLocale() {
    if (localeReady || !window.Plotly) return;
    localeReady = true;
    var source = document.getElementById("plotly-locale");
    if (!source) return;
    try {
      var locale = JSON.parse(source.textContent);
      if (locale && locale.name) {
        window.Plotly.register(locale);
        CONFIG.locale = locale.name;
      }
    } catch (err) {
      /* Plotly's English stays */
    }
  }

  function figureFor(el) {
    var source = document.getElementById(el.getAttribute("data-plotly"));
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (err) {
      return null;
    }
  }

  function onClick(event) {
    var point = event && event.points && event.points[0];
    var url = point && point.customdata;
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      window.location.assign(url);
    }
  }

  function draw(el) {
    var figure = figureFor(el);
    if (!figure || !window.Plotly) return;
    useLocale();
    var key = el.getAttribute("data-key") || "";
    window.Plotly.react(el, figure.data || [], figure.layout || {}, CONFIG).then(function () {
      if (!el.hasAttribute("data-click-bound") && typeof el.on === "function") {
        el.on("plotly_click", onClick);
        el.setAttribute("data-click-bound", "");
      }
      el.setAttribute("data-drawn", key);
    });
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = scope.querySelectorAll("[data-plotly]");
    for (var i = 0; i < nodes.length; i++) draw(nodes[i]);
  }

  function resizeAll() {
    if (!window.Plotly) return;
    var nodes = document.querySelectorAll("[data-plotly][data-drawn]");
    for (var i = 0; i < nodes.length; i++) window.Plotly.Plots.resize(nodes[i]);
  }

  // On paper each chart is redrawn at once at its print box's size: the browser takes the
  // print snapshot straight after print media applies, before the debounced resize above runs.
  function fitToPaper() {
    if (!window.Plotly) return;
    var nodes = document.querySelectorAll("[data-plotly][data-drawn]");
    for (var i = 0; i < nodes.length; i++) {
      var box = nodes[i].getBoundingClientRect();
      if (box.width > 0 && box.height > 0) {
        nodes[i].setAttribute("data-paper-size", "");
        window.Plotly.relayout(nodes[i], { width: box.width, height: box.height });
      }
    }
  }

  // Back on screen, the charts follow their boxes again.
  function fitToScreen() {
    if (!window.Plotly) return;
    var nodes = document.querySelectorAll("[data-paper-size]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].removeAttribute("data-paper-size");
      window.Plotly.relayout(nodes[i], { width: null, height: null, autosize: true });
    }
    resizeAll();
  }

  function summarise(details) {
    var summary = details.querySelector("summary span");
    if (!summary) return;
    var checked = details.querySelectorAll("input[type=checkbox]:checked");
    if (checked.length === 0) summary.textContent = summary.getAttribute("data-all");
    else if (checked.length === 1) summary.textContent = checked[0].parentNode.textContent.trim();
    else summary.textContent = (summary.getAttribute("data-many") || "%(count)s selected").replace("%(count)s", checked.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
    document.addEventListener("htmx:afterSettle", function (event) {
      drawAll(event.target);
    });
    document.addEventListener("change", function (event) {
      var details = event.target.closest && event.target.closest("details[data-multiselect]");
      if (details) summarise(details);
    });
    // One open multi-select at a time; a click elsewhere closes it.
    document.addEventListener("click", function (event) {
      var inside = event.target.closest && event.target.closest("details[data-multiselect]");
      var open = document.querySelectorAll("details[data-multiselect][open]");
      for (var i = 0; i < open.length; i++) {
        if (open[i] !== inside) open[i].removeAttribute("open");
      }
      var printer = event.target.closest && event.target.closest("[data-print]");
      if (printer) window.print();
    });
    var media = window.matchMedia ? window.matchMedia("print") : null;
    window.addEventListener("beforeprint", function () {
      if (media && media.matches) fitToPaper();
      else resizeAll();
    });
    window.addEventListener("afterprint", fitToScreen);
    if (media && media.addEventListener) {
      media.addEventListener("change", function (event) {
        if (event.matches) fitToPaper();
        else fitToScreen();
      });
    }
  });
})();
