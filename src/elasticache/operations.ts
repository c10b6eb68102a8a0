/**
 * The operation registry both protocols dispatch to: AWS operation name -> handler taking the
 * AWS-shaped input and returning the AWS-shaped output (without the Result wrapper).
 */
export interface RequestContext {
  requestId: string;
}

export type OperationInput = Record<string, unknown>;
export type OperationOutput = Record<string, unknown> | void;
export type OperationHandler = (input: OperationInput, ctx: RequestContext) => Promise<OperationOutput>;
export type OperationRegistry = Record<string, OperationHandler>;
