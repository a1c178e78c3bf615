import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTorrentkitError, TorrentkitError } from './errors.js';

test('isTorrentkitError knows our errors by their BT_ERR_ code, also from another copy of the class', () => {
  assert.equal(isTorrentkitError(new TorrentkitError('BT_ERR_X', 'x')), true);
  assert.equal(isTorrentkitError(new TorrentkitError('BT_ERR_X', 'x'), 'BT_ERR_X'), true);
  assert.equal(isTorrentkitError(new TorrentkitError('BT_ERR_X', 'x'), 'BT_ERR_Y'), false);
  // The same class from another bundle (the CLI's dispatcher and its commands each have one).
  class Copy extends Error {
    readonly code = 'BT_ERR_PIECE_HASH';
  }
  assert.equal(new Copy() instanceof TorrentkitError, false);
  assert.equal(isTorrentkitError(new Copy()), true);
  assert.equal(isTorrentkitError(new Copy(), 'BT_ERR_PIECE_HASH'), true);
});

test('isTorrentkitError rejects system errors, plain objects and non-errors', () => {
  const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
  assert.equal(isTorrentkitError(enoent), false);
  assert.equal(isTorrentkitError({ code: 'BT_ERR_X', message: 'not an Error' }), false);
  assert.equal(isTorrentkitError(Object.assign(new Error('numeric code'), { code: 7 })), false);
  assert.equal(isTorrentkitError(undefined), false);
  assert.equal(isTorrentkitError('BT_ERR_X'), false);
});
