// The office pages: the roles matrix's print button.
document.addEventListener("click", function (event) {
  var printer = event.target.closest && event.target.closest("[data-print]");
  if (printer) window.print();
});
