// livescope playback plugin (page side): stub until the playback pipeline lands.
(function (global) {
  'use strict';
  if (!global.LivescopeWidget) return;
  global.LivescopeWidget.registerPlugin('playback', () => ({}));
})(globalThis);
