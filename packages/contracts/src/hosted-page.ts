import { z } from 'zod';

/**
 * The messages the provider's hosted card page posts to its parent window (never with
 * targetOrigin '*'), as the simulator sends them and the React SDK reads them.
 */
export const HOSTED_PAGE_PROVIDERS = ['stripe', 'nuvei'] as const;
/** The provider a hosted card page belongs to, in lower case. */
export type HostedPageProvider = (typeof HOSTED_PAGE_PROVIDERS)[number];

/** The outcomes a result message reports (`requires_action` never leaves the page). */
export const HOSTED_RESULT_STATUSES = ['approved', 'declined', 'error', 'expired'] as const;
/** Whether the page's session can still take a card when the page loads. */
export const HOSTED_READY_STATES = ['open', 'closed', 'expired'] as const;

const envelope = {
  version: z.literal(1),
  provider: z.enum(HOSTED_PAGE_PROVIDERS),
  /** The session token the page was opened with. */
  session: z.string(),
};

/** The page loaded; `state` says whether it can take a card. */
export const hostedReadyMessageSchema = z.object({
  type: z.literal('accrupay:ready'),
  ...envelope,
  state: z.enum(HOSTED_READY_STATES),
});

/** The customer submitted the card form. */
export const hostedSubmittingMessageSchema = z.object({
  type: z.literal('accrupay:submitting'),
  ...envelope,
});

/** The provider answered the card (or the session ended while the page was open). */
export const hostedResultMessageSchema = z.object({
  type: z.literal('accrupay:result'),
  ...envelope,
  status: z.enum(HOSTED_RESULT_STATUSES),
  providerStatus: z.string(),
  providerRef: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** Any message of the hosted card page. */
export const hostedPageMessageSchema = z.discriminatedUnion('type', [
  hostedReadyMessageSchema,
  hostedSubmittingMessageSchema,
  hostedResultMessageSchema,
]);
/** A message of the hosted card page. */
export type HostedPageMessage = z.infer<typeof hostedPageMessageSchema>;
/** The result message of the hosted card page. */
export type HostedResultMessage = z.infer<typeof hostedResultMessageSchema>;

/** The built-in looks of the hosted card page; `stripe` is the default. */
export const HOSTED_THEMES = ['stripe', 'night', 'flat'] as const;
/** A built-in look of the hosted card page. */
export type HostedTheme = (typeof HOSTED_THEMES)[number];

const NAMED_COLOURS = new Set(
  `transparent currentcolor aliceblue antiquewhite aqua aquamarine azure beige bisque black
  blanchedalmond blue blueviolet brown burlywood cadetblue chartreuse chocolate coral
  cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey
  darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
  darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray
  dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod
  gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
  lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen
  lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey
  lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue
  mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
  mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive
  olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip
  peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue saddlebrown
  salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey snow
  springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
  yellowgreen`.split(/\s+/),
);
const NUM = String.raw`\d{1,3}(?:\.\d{1,4})?%?`;
const COLOUR_FUNCTION = new RegExp(
  String.raw`^(?:rgba?|hsla?)\(\s*${NUM}(?:deg)?(?:\s*,\s*|\s+)${NUM}(?:\s*,\s*|\s+)${NUM}(?:\s*(?:,|\/)\s*(?:0|1|0?\.\d{1,4}|${NUM}))?\s*\)$`,
  'i',
);
const HEX_COLOUR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const LENGTH = /^(?:0|\d{1,3}(?:\.\d{1,3})?(?:px|rem|em))$/;
const FONT_FAMILY_ITEM =
  /^(?:[A-Za-z][A-Za-z0-9 -]{0,59}|"[A-Za-z0-9 -]{1,60}"|'[A-Za-z0-9 -]{1,60}')$/;

/** Whether `value` is a CSS colour in the syntax the hosted page accepts: hex, rgb()/hsl() or a colour name. */
export function isHostedCssColour(value: string): boolean {
  return (
    HEX_COLOUR.test(value) || COLOUR_FUNCTION.test(value) || NAMED_COLOURS.has(value.toLowerCase())
  );
}

const cssColour = (name: string) =>
  z.string().refine(isHostedCssColour, (value) => ({
    message: `appearance.variables.${name} must be a CSS colour (#rgb, #rrggbb, rgb(...), hsl(...) or a colour name such as rebeccapurple); got ${JSON.stringify(value).slice(0, 80)}`,
  }));

/** The style variables the hosted card page accepts, each checked against an allow-listed CSS syntax. */
export const hostedAppearanceVariablesSchema = z
  .object({
    /** Buttons, focus rings and the brand's accent. */
    colorPrimary: cssColour('colorPrimary').optional(),
    /** The page's background. */
    colorBackground: cssColour('colorBackground').optional(),
    /** Labels and typed text. */
    colorText: cssColour('colorText').optional(),
    /** Error messages and fields in error. */
    colorDanger: cssColour('colorDanger').optional(),
    /** A comma-separated list of installed font families (no web fonts are loaded). */
    fontFamily: z
      .string()
      .refine(
        (value) =>
          value.length <= 200 &&
          value.split(',').every((item) => FONT_FAMILY_ITEM.test(item.trim())),
        (value) => ({
          message: `appearance.variables.fontFamily must be a comma-separated list of font family names (letters, digits, spaces, hyphens, optionally quoted), such as "Inter, system-ui, sans-serif"; got ${JSON.stringify(value).slice(0, 80)}`,
        }),
      )
      .optional(),
    /** Corner radius of fields and buttons: 0 or a length in px, rem or em. */
    borderRadius: z
      .string()
      .refine(
        (value) => LENGTH.test(value),
        (value) => ({
          message: `appearance.variables.borderRadius must be 0 or a length in px, rem or em such as 6px; got ${JSON.stringify(value).slice(0, 80)}`,
        }),
      )
      .optional(),
  })
  .strict();

/** The names of the hosted page's style variables; each travels as a query parameter of the page's URL. */
export const HOSTED_APPEARANCE_VARIABLES = Object.keys(
  hostedAppearanceVariablesSchema.shape,
) as (keyof typeof hostedAppearanceVariablesSchema.shape)[];

/**
 * How the hosted card page looks: a theme and style variables. On the page's URL it travels as
 * the query parameters `theme` and one per variable (`colorPrimary=%230570de`).
 */
export const hostedAppearanceSchema = z
  .object({
    theme: z
      .enum(HOSTED_THEMES, {
        errorMap: () => ({
          message: `appearance.theme must be one of ${HOSTED_THEMES.join(', ')}`,
        }),
      })
      .optional(),
    variables: hostedAppearanceVariablesSchema.optional(),
  })
  .strict();
/** How the hosted card page looks. */
export type HostedAppearance = z.infer<typeof hostedAppearanceSchema>;
