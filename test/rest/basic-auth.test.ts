import { readBasicCredentials } from '../../src/rest/basic-auth';

/** Expected values from CPython's base64.b64decode + FastAPI's HTTPBasic. */
describe('HTTP Basic credentials, as FastAPI reads them', () => {
  const basic = (param: string) => readBasicCredentials(`Basic ${param}`);
  it.each([
    ['a@example.com:secret pw', { username: 'a@example.com', password: 'secret pw' }],
    ['user:pa:ss', { username: 'user', password: 'pa:ss' }],
    [':', { username: '', password: '' }],
  ])('decodes %j', (plain, expected) => {
    expect(basic(Buffer.from(plain).toString('base64'))).toEqual(expected);
  });

  it('accepts any case of the scheme and lenient base64', () => {
    expect(readBasicCredentials('bAsIc dTpw')).toEqual({ username: 'u', password: 'p' });
    expect(basic('dT pw')).toEqual({ username: 'u', password: 'p' }); // "dTpw" with a space inside
    expect(basic('YTpi*')).toEqual({ username: 'a', password: 'b' });
    expect(basic('YTo=x')).toEqual({ username: 'a', password: '' }); // complete padding ends the input
  });

  it.each([
    [undefined],
    [''],
    ['Bearer abc'],
    ['Basic'],
    ['Basic YTpi=='.replace('YTpi==', 'YWI')], // incorrect padding
    ['Basic Y'], // one more than a multiple of 4
    ['Basic ' + Buffer.from('no-colon').toString('base64')],
    ['Basic ' + Buffer.from('ü:pw', 'utf8').toString('base64')], // not ASCII
    ['Basic dTpwé'], // non-ASCII header text
  ])('no credentials for %j', (header) => {
    expect(readBasicCredentials(header)).toBeUndefined();
  });
});
