// Bearer tokens for servers with authenticated identities (Protocols.md §9): the wslink hello
// carries the token as its secret, the CrossComm login carries it in its content, siyi sends
// it as ?token= on the URL.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import WebsocketConnection from '../../src/protocols/wslink/WebsocketConnection.js';
import CrossComm from '../../src/protocols/crosscomm/CrossCommClient.js';
import Siyi from '../../src/protocols/siyi/SiyiClient.js';
import { withToken } from '../../src/util/url.js';
import { FakeWebSocket, ManualClock, quietLogger } from '../support/fakes.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';

beforeEach(() => FakeWebSocket.reset());

test('wslink: the token is sent as the hello secret instead of the shared secret', () => {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', wireVersion: 1, secret: 'shared', token: TOKEN, env: clock.env(), logger: quietLogger });
  connection.connect();
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  assert.equal(JSON.parse(socket.sent[0]).args[0].secret, TOKEN);
  assert.equal(connection.getToken(), TOKEN);
  assert.equal(socket.url, 'ws://fake/ws');
});

test('crosscomm: the login content carries the token; without one it stays {}', () => {
  const clock = new ManualClock();
  for (const [token, content] of [[TOKEN, { token: TOKEN }], [undefined, {}]]) {
    const client = CrossComm.newInstance({ url: 'ws://fake:9898', clientId: 'alice', token, env: clock.env(), logger: quietLogger });
    client.login().catch(() => {});
    const socket = FakeWebSocket.last;
    socket.serverOpen();
    const login = JSON.parse(socket.sent[0]);
    assert.equal(login.msg_type, 'login');
    assert.deepEqual(login.content, content);
    client.logout().catch(() => {});
  }
});

test('siyi: the token goes on the upgrade URL as ?token=', () => {
  const clock = new ManualClock();
  const client = Siyi.newInstance({ url: 'ws://fake:8765/siyi', token: 'a b/c', autoReconnect: false, env: clock.env(), logger: quietLogger });
  client.connect();
  assert.equal(FakeWebSocket.last.url, 'ws://fake:8765/siyi?token=a%20b%2Fc');
  client.disconnect().catch(() => {});
});

test('withToken appends to an existing query, keeps a fragment, and leaves the URL alone without a token', () => {
  assert.equal(withToken('ws://h/p', TOKEN), `ws://h/p?token=${TOKEN}`);
  assert.equal(withToken('ws://h/p?x=1', 't'), 'ws://h/p?x=1&token=t');
  assert.equal(withToken('ws://h/p?', 't'), 'ws://h/p?token=t');
  assert.equal(withToken('ws://h/p#f', 't'), 'ws://h/p?token=t#f');
  assert.equal(withToken('ws://h/p', undefined), 'ws://h/p');
  assert.equal(withToken('ws://h/p', ''), 'ws://h/p');
});
