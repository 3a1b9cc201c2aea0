// livescope room plugin (page side): stub until the relay is joined with the overlay.
(function (global) {
  'use strict';
  if (!global.LivescopeWidget) return;
  global.LivescopeWidget.registerPlugin('room', () => ({}));
})(globalThis);
