import * as inputModel from '../../src/validation/input-model';
import { startTestApp, type TestApp } from '../helpers/app';
import { graphql, PASSWORD, post } from '../helpers/auth';
import { engine } from '../helpers/db';

/**
 * Issue 15, item 3: an input is validated once per surface, from the same declarations. The
 * REST bridge validates a body with FastAPI's rules before it runs the operation, and the
 * operation then does not validate that input again; `/graphql` validates it in execution.
 */
describe(`validation runs once per surface (${engine})`, () => {
  let t: TestApp;
  let body: jest.SpyInstance;
  let argument: jest.SpyInstance;
  const inputsValidatedInExecution = () => argument.mock.calls.map(([model]) => (model as inputModel.InputModel).name);

  beforeAll(async () => {
    t = await startTestApp();
    body = jest.spyOn(inputModel, 'validateBody');
    argument = jest.spyOn(inputModel, 'validateInputObject');
  });
  beforeEach(() => {
    body.mockClear();
    argument.mockClear();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  it('REST: the bridge validates the body, execution does not validate it again', async () => {
    const res = await post(t, '/auth/register', { email: 'once@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(body).toHaveBeenCalledTimes(1);
    expect(inputsValidatedInExecution()).toEqual([]);
  });

  it('REST: an input that is not the body (HTTP Basic credentials) is validated in execution, once', async () => {
    const basic = Buffer.from(`once@example.com:${PASSWORD}`).toString('base64');
    const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization: `Basic ${basic}` } });
    expect(res.statusCode).toBe(200);
    expect(body).not.toHaveBeenCalled();
    expect(inputsValidatedInExecution()).toEqual(['TokenCredentialsInput']);
  });

  it('REST: a body that fails is answered by the bridge alone, with the FastAPI list', async () => {
    const res = await post(t, '/auth/register', { email: 'not-an-address', password: 'short' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail.map((issue: { loc: string[] }) => issue.loc)).toEqual([['body', 'email'], ['body', 'password']]);
    expect(body).toHaveBeenCalledTimes(1);
    expect(inputsValidatedInExecution()).toEqual([]);
  });

  it('/graphql: the input is validated once, in execution', async () => {
    const ok = await graphql(t, 'mutation($i: LoginInput!) { login(input: $i) { tokenType } }', { i: { email: 'once@example.com', password: PASSWORD } });
    expect(ok.data?.login).toEqual({ tokenType: 'bearer' });
    expect(body).not.toHaveBeenCalled();
    expect(inputsValidatedInExecution()).toEqual(['LoginInput']);

    argument.mockClear();
    const bad = await graphql(t, 'mutation($i: LoginInput!) { login(input: $i) { tokenType } }', { i: { email: 'nope', password: PASSWORD } });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(inputsValidatedInExecution()).toEqual(['LoginInput']);
  });
});
