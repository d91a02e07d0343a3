'use strict';

module.exports = {
  exit: true,
  recursive: true,
  require: 'source-map-support/register',
  timeout: 20000,
};
