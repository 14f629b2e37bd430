import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Emitter, type Disposable } from '../../../src/extension/runs/events';

test('Emitter calls each subscription', () => {
  const emitter = new Emitter<number>();
  const received: string[] = [];
  const listener = (value: number): void => {
    received.push(`listener ${value}`);
  };
  const first = emitter.event(listener);
  emitter.event(listener);
  emitter.event((value) => received.push(`other ${value}`));

  emitter.fire(1);
  first.dispose();
  emitter.fire(2);

  assert.deepEqual(received, ['listener 1', 'listener 1', 'other 1', 'listener 2', 'other 2']);
});

test('Emitter binds thisArgs and collects disposables', () => {
  const emitter = new Emitter<string>();
  const target = { seen: [] as string[] };
  const disposables: Disposable[] = [];

  emitter.event(
    function (this: typeof target, value: string) {
      this.seen.push(value);
    },
    target,
    disposables,
  );
  emitter.fire('a');
  disposables.forEach((disposable) => disposable.dispose());
  emitter.fire('b');

  assert.deepEqual(target.seen, ['a']);
  assert.equal(disposables.length, 1);
});

test('Emitter reports listener errors', () => {
  const reported: unknown[] = [];
  const emitter = new Emitter<number>((error) => reported.push(error));
  const received: number[] = [];
  emitter.event(() => {
    throw new Error('first');
  });
  emitter.event((value) => received.push(value));

  emitter.fire(7);

  assert.deepEqual(received, [7]);
  assert.equal(reported.length, 1);
  assert.match(String(reported[0]), /first/);
});

test('Emitter rethrows without a handler', () => {
  const emitter = new Emitter<number>();
  const received: number[] = [];
  emitter.event(() => {
    throw new Error('first');
  });
  emitter.event((value) => received.push(value));

  assert.throws(() => emitter.fire(7), /first/);
  assert.deepEqual(received, [7], 'the later listener still ran');
});

test('Emitter subscribe during fire', () => {
  const emitter = new Emitter<number>();
  const received: string[] = [];
  const once: Disposable = emitter.event((value) => {
    received.push(`once ${value}`);
    once.dispose();
    emitter.event((later) => received.push(`added ${later}`));
  });

  emitter.fire(1);
  emitter.fire(2);

  assert.deepEqual(received, ['once 1', 'added 2']);
});

test('Emitter after dispose', () => {
  const emitter = new Emitter<number>();
  const received: number[] = [];
  emitter.event((value) => received.push(value));

  emitter.dispose();
  emitter.event((value) => received.push(value * 10)).dispose();
  emitter.fire(1);

  assert.deepEqual(received, []);
});
