import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgument } from '../common/errors.js';
import { applyChanges, processWord } from './apply-changes.js';

describe('applyChanges', () => {
  it('sets CMD and ENTRYPOINT in JSON and shell form', () => {
    assert.deepEqual(applyChanges({}, ['CMD ["sh"]']), { Cmd: ['sh'] });
    assert.deepEqual(applyChanges({}, ['cmd echo "hi there"']), { Cmd: ['/bin/sh', '-c', 'echo "hi there"'] });
    assert.deepEqual(applyChanges({}, ['ENTRYPOINT ["/hello", "x"]', 'CMD ["-v"]']), { Entrypoint: ['/hello', 'x'], Cmd: ['-v'] });
    assert.deepEqual(applyChanges({ Shell: ['/bin/bash', '-c'] }, ['CMD ls']).Cmd, ['/bin/bash', '-c', 'ls']);
    // Not a JSON array of strings: the shell form, as Docker.
    assert.deepEqual(applyChanges({}, ['CMD [1, 2]']).Cmd, ['/bin/sh', '-c', '[1, 2]']);
  });

  it('drops an inherited CMD when ENTRYPOINT changes, unless CMD came with it', () => {
    assert.equal(applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["e"]']).Cmd, null);
    assert.deepEqual(applyChanges({ Cmd: ['old'] }, ['CMD ["new"]', 'ENTRYPOINT ["e"]']).Cmd, ['new']);
  });

  it('sets ENV in both forms, replacing and expanding variables', () => {
    const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV B="two words" C=$A-${A}x D=${NOPE:-dflt}',
      'ENV LEGACY some value here',
      "ENV E='$A' F=\\$A",
    ]);
    assert.deepEqual(c.Env, [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'A=1',
      'B=two words',
      'C=1-1x',
      'D=dflt',
      'LEGACY=some value here',
      'E=$A',
      'F=$A',
    ]);
  });

  it('sets LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD', () => {
    const c = applyChanges({ WorkingDir: '/app' }, [
      'LABEL a=b "with space"="yes" maintainer=me',
      'EXPOSE 80 53/udp 8000-8001',
      'USER nobody:nogroup',
      'WORKDIR sub/../dir',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache /tmp/x',
      'STOPSIGNAL SIGQUIT',
      'ONBUILD RUN echo built',
    ]);
    assert.deepEqual(c, {
      WorkingDir: '/app/dir',
      Labels: { a: 'b', 'with space': 'yes', maintainer: 'me' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} },
      User: 'nobody:nogroup',
      Volumes: { '/data': {}, '/logs': {}, '/cache': {}, '/tmp/x': {} },
      StopSignal: 'SIGQUIT',
      OnBuild: ['RUN echo built'],
    });
    assert.equal(applyChanges({ WorkingDir: '/app' }, ['WORKDIR /abs/./x/']).WorkingDir, '/abs/x/');
  });

  it('sets HEALTHCHECK with flags, CMD forms and NONE', () => {
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=1m30s --retries=3 CMD curl -f http://localhost/']).Healthcheck, {
      Interval: 90e9, Retries: 3, Test: ['CMD-SHELL', 'curl -f http://localhost/'],
    });
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK --timeout=500ms CMD ["true"]']).Healthcheck, { Timeout: 5e8, Test: ['CMD', 'true'] });
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  });

  it('joins continuation lines and skips comments', () => {
    assert.deepEqual(applyChanges({}, ['# a comment\nENV A=1 \\\n  B=2']).Env, ['A=1', 'B=2']);
  });

  it('rejects instructions that are not change commands with Docker\'s text', () => {
    for (const [change, message] of [
      ['RUN echo x', 'RUN is not a valid change command'],
      ['from busybox', 'from is not a valid change command'],
      ['SHELL ["/bin/bash"]', 'SHELL is not a valid change command'],
      ['BOGUS x', 'BOGUS is not a valid change command'],
    ] as const) {
      assert.throws(() => applyChanges({}, ['CMD ["ok"]', change]), (err: unknown) => err instanceof InvalidArgument && err.message === message);
    }
  });

  it('rejects malformed arguments', () => {
    for (const change of ['ENV', 'ENV a=1 b', 'EXPOSE 99999', 'EXPOSE 80/xyz', 'STOPSIGNAL SIGNOPE', 'VOLUME [""]', 'ONBUILD ONBUILD RUN x', 'ONBUILD FROM x', 'HEALTHCHECK WAT', 'HEALTHCHECK --interval=5 CMD x', 'LABEL =x']) {
      assert.throws(() => applyChanges({}, [change]), InvalidArgument, change);
    }
  });

  it('does not modify its input', () => {
    const config = { Env: ['A=1'] };
    applyChanges(config, ['ENV A=2']);
    assert.deepEqual(config, { Env: ['A=1'] });
  });
});

describe('processWord', () => {
  it('removes quotes and expands like the Dockerfile lexer', () => {
    const env = ['HOME=/root', 'EMPTY='];
    assert.equal(processWord('"$HOME/x" \'$HOME\'', env), '/root/x $HOME');
    assert.equal(processWord('${EMPTY:-d}${EMPTY-d}${HOME:+set}${UNSET+set}', env), 'dset');
    assert.equal(processWord('a\\ b\\"c', env), 'a b"c');
    assert.equal(processWord('cost $5 $', env), 'cost  $');
  });
});
