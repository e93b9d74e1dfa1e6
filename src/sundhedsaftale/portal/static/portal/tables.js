/* Tables on phones: every data table in the page becomes Det Fælles Designsystem's
   "responsive headers" table (class table--responsive-headers): below 768 px each row is shown
   as a stacked card, and each cell is labelled with its column heading (data-title, which
   dkfds prints before the value). The labels are copied here from the table's own <thead>, so
   templates need no second copy of every heading. A table can opt out with class
   "table-no-reflow"; cells that already carry data-title keep it. Without JavaScript the
   tables keep their scrolling wrapper. A static file: the Content-Security-Policy allows no
   inline script. */
(function () {
  "use strict";

  function headingText(cell) {
    if (cell.hasAttribute("data-title")) {
      return cell.getAttribute("data-title");
    }
    // The visible text: without screen-reader-only helper text (e.g. "Andel (grafisk)").
    var copy = cell.cloneNode(true);
    copy.querySelectorAll(".sr-only").forEach(function (hidden) {
      hidden.parentNode.removeChild(hidden);
    });
    var text = copy.textContent.replace(/\s+/g, " ").trim();
    return text || cell.textContent.replace(/\s+/g, " ").trim();
  }

  function columnLabels(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) {
      return null;
    }
    var labels = [];
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (cell) {
      var text = headingText(cell);
      for (var i = 0; i < (cell.colSpan || 1); i += 1) {
        labels.push(text);
      }
    });
    return labels;
  }

  function reflow(table) {
    if (table.classList.contains("table-no-reflow")) {
      return;
    }
    var labels = columnLabels(table);
    if (!labels) {
      return;
    }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      label(body.rows, labels);
    });
    if (table.tFoot) {
      label(table.tFoot.rows, labels);
    }
    table.classList.add("table--responsive-headers", "table-reflow");
  }

  function label(rows, labels) {
    Array.prototype.forEach.call(rows, function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var text = labels[column] || "";
        if (!cell.hasAttribute("data-title") && text) {
          cell.setAttribute("data-title", text);
        }
        column += cell.colSpan || 1;
      });
    });
  }

  document.querySelectorAll("main table.table").forEach(reflow);
})();
