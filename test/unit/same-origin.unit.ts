// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  isJsonMediaType,
  isSameOrigin,
  mediaTypeEssence,
  parseOrigin,
} from '../../src/controllers/same-origin';

describe('same-origin checks (unit)', () => {
  describe('mediaTypeEssence()', () => {
    const cases: [string, string | undefined][] = [
      ['application/json', 'application/json'],
      ['Application/JSON', 'application/json'],
      [' \tapplication/json \r\n', 'application/json'],
      ['application/json ; charset=utf-8', 'application/json'],
      ['text/plain;+json', 'text/plain'],
      ['text/plain; charset=+json', 'text/plain'],
      [
        'application/x-www-form-urlencoded;+json',
        'application/x-www-form-urlencoded',
      ],
      ['multipart/form-data; boundary=a;+json', 'multipart/form-data'],
      ['application/vnd.api+json;x="a/b;c"', 'application/vnd.api+json'],
      // Failures, as in WHATWG "parse a MIME type".
      ['', undefined],
      ['json', undefined],
      ['/json', undefined],
      ['application/', undefined],
      ['application/;charset=x', undefined],
      ['application /json', undefined],
      ['application/ json', undefined],
      ['application/json/x', undefined],
      ['application/"json"', undefined],
      ['appli(cation)/json', undefined],
      ['application/jsön', undefined],
    ];
    for (const [value, essence] of cases) {
      it(`reads ${JSON.stringify(value)} as ${String(essence)}`, () => {
        expect(mediaTypeEssence(value)).to.equal(essence);
      });
    }

    it('reads a header of many spaces without backtracking into them', () => {
      const value = `text/plain${' '.repeat(20000)};x`;
      expect(mediaTypeEssence(value)).to.equal('text/plain');
      expect(mediaTypeEssence(' '.repeat(20000) + 'x')).to.be.undefined();
    });
  });

  describe('isJsonMediaType()', () => {
    for (const value of [
      'application/json',
      'application/JSON;charset=utf-8',
      'application/merge-patch+json',
      'application/problem+json; x=y',
    ]) {
      it(`accepts ${value}`, () => {
        expect(isJsonMediaType(value)).to.be.true();
      });
    }
    for (const value of [
      undefined,
      'application/x-www-form-urlencoded;+json',
      'application/x-www-form-urlencoded; charset=+json',
      'text/plain;application/json',
      'text/json',
      'application/+json',
      'application/json+x',
      'application/jsonp',
      'json/application',
    ]) {
      it(`refuses ${String(value)}`, () => {
        expect(isJsonMediaType(value)).to.be.false();
      });
    }
  });

  describe('parseOrigin()', () => {
    const cases: [string, string | undefined][] = [
      ['https://Admin.Example.com', 'https://admin.example.com'],
      ['https://admin.example.com:443', 'https://admin.example.com'],
      ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
      ['http://[::1]:8080', 'http://[::1]:8080'],
      ['null', undefined],
      ['*', undefined],
      ['admin.example.com', undefined],
      ['https://admin.example.com/dashboard', undefined],
      ['https://user@admin.example.com', undefined],
      ['https://admin.example.com?', undefined],
      ['https://admin.example.com#x', undefined],
      ['ftp://admin.example.com', undefined],
      ['file:///etc/passwd', undefined],
      ['http://a.example, http://b.example', undefined],
    ];
    for (const [text, origin] of cases) {
      it(`reads ${JSON.stringify(text)} as ${String(origin)}`, () => {
        expect(parseOrigin(text)).to.equal(origin);
      });
    }
  });

  describe('isSameOrigin()', () => {
    const own = {host: '127.0.0.1:3000'};
    const check = (
      headers: Record<string, string>,
      protocol = 'http',
      allowed?: string[],
    ) =>
      isSameOrigin(
        {headers: {...own, ...headers}, protocol},
        allowed && new Set(allowed),
      );

    it('lets a request that says nothing through (not a browser)', () => {
      expect(check({})).to.be.true();
    });

    it('needs Sec-Fetch-Site: same-origin when it is sent', () => {
      expect(check({'sec-fetch-site': 'same-origin'})).to.be.true();
      for (const site of ['same-site', 'cross-site', 'none', '']) {
        expect(check({'sec-fetch-site': site})).to.be.false();
      }
    });

    it("compares Origin with the request's protocol and Host", () => {
      expect(check({origin: 'http://127.0.0.1:3000'})).to.be.true();
      expect(check({origin: 'https://127.0.0.1:3000'}, 'https')).to.be.true();
      expect(check({origin: 'http://127.0.0.1:3000'}, 'https')).to.be.false();
      expect(check({origin: 'http://127.0.0.1:3001'})).to.be.false();
      expect(check({origin: 'null'})).to.be.false();
      expect(check({origin: ''})).to.be.false();
    });

    it('matches default ports and case as a browser writes them', () => {
      expect(
        check({
          host: 'Admin.Example.com:80',
          origin: 'http://admin.example.com',
        }),
      ).to.be.true();
    });

    it('refuses an Origin when the Host is missing or more than a host', () => {
      const origin = 'http://127.0.0.1:3000';
      expect(
        isSameOrigin({headers: {origin}, protocol: 'http'}, undefined),
      ).to.be.false();
      for (const host of [
        '127.0.0.1:3000/x',
        'a@127.0.0.1:3000',
        '127.0.0.1:3000?',
      ]) {
        expect(check({host, origin})).to.be.false();
      }
    });

    it('takes only the listed origins when given', () => {
      const allowed = ['https://admin.example.com'];
      expect(
        check({origin: 'https://admin.example.com'}, 'http', allowed),
      ).to.be.true();
      expect(
        check({origin: 'http://127.0.0.1:3000'}, 'http', allowed),
      ).to.be.false();
    });
  });
});
