import { Type, type Static } from 'typebox';
import { OBSERVATION_KINDS } from '../notes/types.ts';
import { IdSchema, RoleSchema } from './schemas.ts';

export const VersionParamsSchema = Type.Object({ roomId: IdSchema, versionId: Type.Integer({ minimum: 1 }) });

export const DocVersionInfoSchema = Type.Object({
  id: Type.Integer(),
  label: Type.String(),
  createdAt: Type.Integer(),
  bytes: Type.Integer(),
});
export type DocVersionInfo = Static<typeof DocVersionInfoSchema>;
export const DocVersionListSchema = Type.Object({ versions: Type.Array(DocVersionInfoSchema) });

export const ObservationSchema = Type.Object({
  id: Type.String(),
  start: Type.Number(),
  end: Type.Union([Type.Number(), Type.Null()]),
  themes: Type.Array(Type.String()),
  kind: Type.Unsafe<(typeof OBSERVATION_KINDS)[number]>({ type: 'string', enum: [...OBSERVATION_KINDS] }),
  text: Type.String(),
  authorId: Type.String(),
  authorName: Type.String(),
  role: RoleSchema,
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

export const DocVersionPreviewSchema = Type.Object({ version: DocVersionInfoSchema, observations: Type.Array(ObservationSchema) });
export type DocVersionPreview = Static<typeof DocVersionPreviewSchema>;
