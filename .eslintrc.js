module.exports = {
  extends: '@loopback/eslint-config',
  rules: {
    'no-console': 'error',
  },
};
