// The PTB lexer: which token starts at a position of UTF-16 text, as the Stanford
// PTBLexer of CoreNLP 3.4.1 (the tokenizer pycocoevalcap runs) decides it with the
// options pycocoevalcap passes (-preserveLines -lowerCase, so tokenizeNLs and the
// default PTB3 escaping, no americanization, traditional treebank-3 fractions).
//
// The reference is a JFlex scanner over Java's 16-bit chars, so this one is written
// over UTF-16 code units: a surrogate pair is two units here as there. The build does
// not compile this file as it stands: scripts/compact-lexer-alphabet.py first maps
// every non-ASCII unit to the symbol of its equivalence class under the classes below
// (a few hundred symbols instead of 65,536 units, which keeps the DFA's code small), and
// ptb_tokenizer.cc maps its input through the same table.
// Rule order is priority, the longest match wins, trailing context (`r / s`) counts
// towards the match length but not the token, exactly as in JFlex. The scanner is
// caseless for literal strings ('...' here) but not for character classes. JFlex's
// caseless matching puts a few non-ASCII letters in the same case class as ASCII
// ones (i, k, s): those letters are spelled with the classes ci_i, ci_k and ci_s.
//
// Each rule only names an action; ptb_tokenizer.cc carries the actions out. The
// alphabet map and the shortcut for the commonest tokens are in ptb_lexer_fast_path.cc.
#include "metrics/ptb_lexer.h"

namespace captioner::metrics {

/*!include:re2c "ptb_unicode_classes.re" */

/*!re2c
  re2c:api:style = free-form;
  re2c:define:YYCTYPE = char16_t;
  re2c:define:YYCURSOR = cursor;
  re2c:define:YYMARKER = marker;
  re2c:define:YYCTXMARKER = context_marker;
  re2c:define:YYLIMIT = limit;
  re2c:yyfill:enable = 0;
  re2c:eof = 0;
  re2c:flags:tags = 1;

  ci_i = [iI\u0130\u0131];
  ci_k = [kK\u212A];
  ci_s = [sS\u017F];

  SPACE = [ \t\u00A0\u2000-\u200A\u3000];
  SPACES = SPACE+;
  NEWLINE = "\r" | "\r"? "\n" | [\u2028\u2029\u000B\u000C\u0085];
  SPACENL = SPACE | NEWLINE;
  SPACENLS = SPACENL+;

  SGML_NAME = [A-Za-z] [A-Za-z0-9_:.\-]*;
  SGML_VALUE = "'" [^'\n]* "'" | "\"" [^"\n]* "\"";
  SGML = "<" ( [!?] [A-Za-z\-] [^>\r\n]*
             | SGML_NAME ([ ]+ (SGML_NAME | SGML_NAME [ ]* "=" [ ]* SGML_VALUE))* [ ]* "/"?
             | "/" SGML_NAME ) [ ]* ">";
  SENTEND = SPACENL (SPACENL | jupper | SGML);

  SPMDASH = "&" ('md' | 'md' 'a' ci_s 'h' | 'nda' ci_s 'h') ";" | [\u0096\u0097\u2013\u2014\u2015];
  SPAMP = "&" 'amp' ";";
  SPPUNC = "&" ('ht' | 'tl' | 'ur' | 'lr' | 'qc' | 'ql' | 'qr' | 'odq' | 'cdq' | "#" [0-9]+) ";";
  SPLET = "&" [aeiouAEIOU] ('acute' | 'grave' | 'uml') ";";

  DIGIT = jdigit | [\u07C0-\u07C9];
  DATE = DIGIT{1,2} [\-/] DIGIT{1,2} [\-/] DIGIT{2,4};
  NUM = DIGIT+ | DIGIT* ([.:,\u00AD\u066B\u066C] DIGIT+)+;
  NUMBER = [\-+]? NUM;
  SUBSUPNUM = [\u207A\u207B\u208A\u208B]? ([\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+ | [\u2080-\u2089]+);
  FRAC = (DIGIT{1,4} [\- \u00A0])? DIGIT{1,4} ("\\"? "/" | "\u2044") DIGIT{1,4};
  FRAC2 = [\u00BC\u00BD\u00BE\u2153-\u215E];
  DOLSIGN = [A-Z]* "$" | "#";
  DOLSIGN2 = [\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6];

  // JFlex's [:letter:] misses some marks and letters that PTBLexer adds by hand.
  LETTER_EXTRA = [\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F]
                | [\u0370-\u037D\u0384\u0385\u03CF\u03F6\u03FC-\u03FF\u0483-\u0487\u04CF]
                | [\u04F6-\u04FF\u0510-\u0525\u055A-\u055F\u0591-\u05BD\u05BF\u05C1\u05C2]
                | [\u05C4\u05C5\u05C7\u0615-\u061A\u063B-\u063F\u064B-\u065E\u0670]
                | [\u06D6-\u06EF\u06FA-\u06FF\u070F\u0711\u0730-\u074F\u0750-\u077F]
                | [\u07A6-\u07B1\u07CA-\u07F5\u07FA\u0900-\u0903\u093C\u093E-\u094E]
                | [\u0951-\u0955\u0962-\u0963\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8]
                | [\u09CB-\u09CD\u09D7\u09E2\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F]
                | [\u0A81-\u0A83\u0ABC-\u0ACF\u0B82\u0BBE-\u0BC2\u0BC6-\u0BC8\u0BCA-\u0BCD]
                | [\u0C01-\u0C03\u0C3E-\u0C56\u0D3E-\u0D44\u0D46-\u0D48\u0E30-\u0E3A]
                | [\u0E47-\u0E4E\u0EB1-\u0EBC\u0EC8-\u0ECD];
  LETTER = jletter | SPLET | LETTER_EXTRA;
  LETTER_OR_DIGIT = LETTER | DIGIT;
  WORD = LETTER LETTER_OR_DIGIT* ([.!?] LETTER LETTER_OR_DIGIT*)*;

  FILENAME_EXT = 'bat' | 'bmp' | 'c' | 'cla' ci_s ci_s | 'cg' ci_i | 'cpp' | 'dll' | 'doc' | 'docx'
               | 'exe' | 'g' ci_i 'f' | 'gz' | 'h' | 'htm' | 'html' | 'jar' | 'java' | 'jpeg'
               | 'jpg' | 'mov' | 'mp3' | 'pdf' | 'php' | 'pl' | 'png' | 'ppt' | 'p' ci_s | 'py'
               | ci_s 'ql' | 'tar' | 'txt' | 'wav' | 'x' | 'xml' | 'z' ci_i 'p';
  FILENAME = LETTER_OR_DIGIT+ ("." LETTER_OR_DIGIT+)* "." FILENAME_EXT;

  APOS = ['\u0092\u2019] | "&" 'apo' ci_s ";";
  APOSETC = APOS | [`\u0091\u2018\u201B];
  HYPHEN = [\-_\u058A\u2010\u2011];
  ALNUM = jletter | jdigit;
  THING_PART = ([dDoOlL] APOSETC ALNUM)? ALNUM+;
  THING = THING_PART (HYPHEN THING_PART)*;
  THINGA = [A-Z]+ (([+&] | SPAMP) [A-Z]+)+;
  THING3 = [A-Za-z0-9]+ ("-" [A-Za-z]+){0,2} ("\\"? "/" [A-Za-z0-9]+ ("-" [A-Za-z]+){0,2}){1,2};

  ACRO_PLACE = 'canada' | ci_s ci_i 'no' | ci_k 'orean' | 'eu' | 'japan' | 'non';
  ACRO_SPECIAL = ACRO_PLACE "-" 'u' "." ci_s
               | 'u' "." ci_s "." "-" ('u' "." ci_k | 'u' "." ci_s "." ci_s "." 'r');
  ACRO = [A-Za-z] ("." [A-Za-z])* | ACRO_SPECIAL;
  ACRO2 = [A-Za-z] ("." [A-Za-z])+ | ACRO_SPECIAL;
  HTHING = [A-Za-z0-9] [A-Za-z0-9.,\u00AD]* ("-" ([A-Za-z0-9\u00AD]+ | ACRO2 "."))+;

  REDAUX = APOS ([msdMSD] | 're' | 've' | 'll');
  SWORD = [A-Za-z\u00AD]* [A-MO-Za-mo-z] "\u00AD"*;
  SREDAUX = 'n' APOSETC 't';
  APOWORD = APOS 'n' APOS? | [lLdDjJ] APOS | 'dun' ci_k ci_i 'n' APOS | ci_s 'ometh' ci_i 'n' APOS
          | 'ol' APOS | APOS 'em' | [A-HJ-XZn] APOSETC jletter{2} jletter* | APOS [2-9] "0" ci_s
          | APOS 't' ci_i 'l' 'l'? | jletter jletter* [aeiouyAEIOUY] APOSETC [aeiouA-Z] jletter*
          | APOS 'cau' ci_s 'e' | 'cont' "'" 'd' "."? | "'" 'twa' ci_s | 'nor' "'" 'ea' ci_s 'ter'
          | 'c' "'" 'mon' | 'e' "'" 'er' | ci_s "'" 'more' ci_s | 'ev' "'" 'ry' | 'l' ci_i "'" 'l'
          | 'nat' "'" 'l' | 'o' APOSETC 'o';
  APOWORD2 = 'y' APOS;

  URL_CHAR = [^ \t\n\f\r"<>|(){}];
  URL_END = [^ \t\n\f\r"<>|.!?(){},\-];
  FULLURL = 'http' ci_s? "://" URL_CHAR+ URL_END;
  // [^...,-_$] in the reference is a range from ',' to '_': digits and capitals are excluded.
  LIKELYURL = ('www' "." ([^ \t\n\f\r"<>|.!?(){},]+ ".")+ [a-zA-Z]{2,4}
              | ([^ \t\n\f\r"`'<>|.!?(){}\x2C-\x5F$]+ ".")+ ('com' | 'net' | 'org' | 'edu'))
              ("/" [^ \t\n\f\r"<>|()]+ URL_END)?;
  EMAIL_PART = [^ \t\n\f\r"<>|(){}.\u00A0]+;
  EMAIL = ("&" 'lt' ";" | "<")? [a-zA-Z0-9] [^ \t\n\f\r"<>|()\u00A0{}]* "@" (EMAIL_PART ".")* EMAIL_PART
          ("&" 'gt' ";" | ">")?;
  TWITTER = "@" [a-zA-Z_] [a-zA-Z_0-9]* | "#" LETTER+;

  ABMONTH = 'jan' | 'feb' | 'mar' | 'apr' | 'jun' | 'jul' | 'aug' | ci_s 'ep' | ci_s 'ept' | 'oct'
          | 'nov' | 'dec';
  ABDAYS = 'mon' | 'tue' | 'tue' ci_s | 'wed' | 'thu' | 'thur' ci_s | 'fr' ci_i;
  ABSTATE = 'ala' | 'ar' ci_i 'z' | [A] 'z' | [A] 'r' ci_k | 'cal' ci_i 'f' | 'colo' | 'conn' | 'ct'
          | 'da' ci_k | [D] 'el' | 'fla' | 'ga' | [I] 'll' | ci_i 'nd' | ci_k 'an' ci_s? | ci_k 'y'
          | [L] 'a' | [M] 'a' ci_s ci_s | 'md' | 'm' ci_i 'ch' | 'm' ci_i 'nn' | [M] ci_i ci_s ci_s
          | 'mo' | 'mont' | 'neb' | 'nev' | 'o' ci_k 'la' | [O] 're' | [P] 'a' | 'penn' | 'tenn'
          | [T] 'ex' | 'va' | 'vt' | [W] 'a' ci_s 'h' | 'w' ci_i ci_s 'c'? | 'wyo';
  ABCOMP = ci_i 'nc' | 'co' ci_s? | 'corp' | 'p' 'p'? 't' [ye] ci_s? | 'ltd' | 'plc' | 'rt'
         | 'bancorp' | 'bhd' | 'a' ci_s ci_s 'n' | 'un' ci_i 'v' | ci_i 'ntl' | ci_s 'y' ci_s;
  ABNUM = 'tel' | 'e' ci_s 't' | 'ext' | ci_s 'q';
  ABPTIT = 'jr' | ci_s 'r' | 'bro' ci_s | ('ed' | 'ph') "." 'd' | 'blvd' | 'rd' | 'e' ci_s 'q';
  ABBREV1 = (ABMONTH | ABDAYS | ABSTATE | ABCOMP | ABNUM | ABPTIT | 'etc' | 'al' | ci_s 'eq'
            | 'bldg') ".";

  ABTITLE = 'mr' | 'mr' ci_s | 'm' ci_s | [M] ci_i ci_s ci_s | 'dr' ci_s? | 'prof' ci_s?
          | ci_s 'en' ci_s? | 'rep' ci_s? | 'atty' ci_s? | 'lt' | 'col' | 'gen'
          | 'me' ci_s ci_s 'r' ci_s | 'gov' ci_s? | 'adm' | 'rev' | 'maj' | ci_s 'gt' | 'cpl' | 'pvt'
          | 'capt' | ci_s 't' 'e'? | 'ave' | 'pre' ci_s | 'l' ci_i 'eut' | 'hon' | 'br' ci_i 'g'
          | 'c' 'o'? 'mdr' | 'pfc' | ci_s 'pc' | ci_s 'upt' ci_s? | 'det' | 'mt' | 'ft' | 'adj'
          | 'adv' | 'a' ci_s ci_s 't' | 'a' ci_s ci_s 'oc' | 'en' ci_s | ci_i 'n' ci_s 'p' | 'mlle'
          | 'mme' | 'm' ci_s 'gr' | ci_s 'fc';
  ABCOMP2 = ci_i 'nvt' | 'elec' | 'natl' | 'm' [ft] 'g' | 'dept';
  ABBREV4 = ABTITLE | 'v' ci_s | 'alex' | 'wm' | 'jo' ci_s | 'c' ci_i 'e' | 'a' "." ci_k "." 'a'
          | 'cf' | 'trea' ci_s | 'ph' | ACRO | ABCOMP2;
  ABBREV2 = ABBREV4 ".";
  ACRONYM = ACRO ".";
  ABBREV3 = ('ca' | 'f' ci_i 'g' ci_s? | 'prop' | 'no' ci_s? | 'art' | 'bldg' | 'pp' | 'op') ".";
  // Capitalised words after which an acronym's period also ends the sentence.
  SENTENCE_OPENER = [A] 'bout' | [A] 'ccord' ci_i 'ng' | [A] 'dd' ci_i 't' ci_i 'onally' | [A] 'fter'
                  | [A] 'n' | [A] | [A] ci_s | [A] 't' | [B] 'ut' | [E] 'arl' ci_i 'er' | [H] 'e'
                  | [H] 'er' | [H] 'ere' | [H] 'owever' | [I] 'f' | [I] 'n' | [I] 't'
                  | [L] 'a' ci_s 't' | [M] 'any' | [M] 'ore' | [M] 'r' "." | [M] ci_s "." | [N] 'ow'
                  | [O] 'nce' | [O] 'ne' | [O] 'ther' | [O] 'ur' | [S] 'he' | [S] ci_i 'nce' | [S] 'o'
                  | [S] 'ome' | [S] 'uch' | [T] 'hat' | [T] 'he' | [T] 'he' ci_i 'r' | [T] 'hen'
                  | [T] 'here' | [T] 'he' ci_s 'e' | [T] 'hey' | [T] 'h' ci_i ci_s | [W] 'e' | [W] 'hen'
                  | [W] 'h' ci_i 'le' | [W] 'hat' | [Y] 'et' | [Y] 'ou' | SGML;

  PHONE_SEP = [\- \u00A0];
  PHONE = ("(" [0-9]{2,3} ")" [ \u00A0]? | ("+" "+"?)? ([0-9]{2,4} PHONE_SEP)? [0-9]{2,4} PHONE_SEP)
          [0-9]{3,4} PHONE_SEP? [0-9]{3,5}
        | (("+" "+"?)? [0-9]{2,4} ".")? [0-9]{2,4} "." [0-9]{3,4} "." [0-9]{3,5};
  FAKEDUCKFEET = "<<" | ">>";
  LESSTHAN = "<" | "&" 'lt' ";";
  GREATERTHAN = ">" | "&" 'gt' ";";
  HYPHENS = "-"+;
  LDOTS = "."{3,5} | ("." [ \u00A0]){2,4} "." | [\u0085\u2026];
  FNMARKS = "@"+ | "#"+ | "_"+;
  ASTS = "*"+ | ("\\*"){1,3};
  INSENTP = [,;:\u3001];
  QUOTE_CHAR = [`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F]
             | [\u2039\u203A\u00AB\u00BB];
  QUOTES = APOS | "''" | QUOTE_CHAR{1,2};
  DBLQUOT = "\"" | "&" 'quot' ";";
  TBSPEC_AMP = "&" | "&" 'amp' ";";
  TBSPEC = "-" ('rrb' | 'lrb' | 'rcb' | 'lcb' | 'r' ci_s 'b' | 'l' ci_s 'b') "-" | 'c' "." 'd' "." ci_s
         | 'pro' "-" | 'ant' ci_i "-" | ci_s TBSPEC_AMP 'p' "-500" | ci_s TBSPEC_AMP 'l' ci_s
         | 'cap' APOS 'n' | 'c' APOS 'e' ci_s 't';
  TBSPEC2 = APOS [0-9] [0-9];

  SMILEY = [<>]? [:;=] [\-o*']? [()DPdpO\\{@|[\]];
  // The reference's first alternative escapes its second '[' by mistake, so that part
  // is a literal string; it is kept as the reference has it.
  ASIANSMILEY = [x^=~<>] "." "[^" 'x' "=~<>]"
              | [\-x^=~<>'] "_" [\-x^=~<>']
              | "(" [\-x^=~<>'] [_.]? [\-x^=~<>'] ")"
              | "(" [x^=~<>'] "-" [x^=~<>'`] ")";
  MISCSYMBOL = [+%&~^|\\\u00A6\u00A7\u00A8\u00A9\u00AC\u00AE\u00AF\u00B0-\u00B3\u00B4-\u00BA\u00D7]
              | [\u00F7\u0387\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C]
              | [\u0614\u061B\u061E\u066A\u066D\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F]
              | [\u1FBD\u2016\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F]
              | [\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F]
              | [\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65];
*/

PtbMatch ptb_match_dfa(const char16_t* start, const char16_t* limit) {
  const char16_t* cursor = start;
  const char16_t* marker = start;
  const char16_t* context_marker = start;
  /*!stags:re2c format = "const char16_t* @@ = nullptr;\n  "; */
  auto match = [&](PtbAction action) {
    return PtbMatch{action, static_cast<std::size_t>(cursor - start)};
  };
  /*!re2c
    $ { return match(PtbAction::kEnd); }

    'c' "++" | ('c' | 'f') "#"
                              { return match(PtbAction::kKeep); }
    'cannot'                  { return match(PtbAction::kSplitAfter3); }
    "'" 'twa' ci_s            { return match(PtbAction::kSplitAfter2); }
    "'" 't' ci_i ci_s         { return match(PtbAction::kSplitAfter2); }
    'gonna' | 'gotta' | 'lemme' | 'g' ci_i 'mme' | 'wanna'
                              { return match(PtbAction::kSplitAfter3); }
    SGML                      { return match(PtbAction::kSpacesToNbsp); }
    SPMDASH                   { return match(PtbAction::kDash); }
    SPAMP                     { return match(PtbAction::kAmpersand); }
    SPPUNC                    { return match(PtbAction::kKeep); }
    WORD / REDAUX             { return match(PtbAction::kRemoveSoftHyphens); }
    SWORD / SREDAUX           { return match(PtbAction::kRemoveSoftHyphens); }
    WORD                      { return match(PtbAction::kRemoveSoftHyphens); }
    APOWORD                   { return match(PtbAction::kKeep); }
    APOWORD2 / jletter        { return match(PtbAction::kKeep); }
    FULLURL                   { return match(PtbAction::kKeep); }
    LIKELYURL                 { return match(PtbAction::kKeep); }
    EMAIL                     { return match(PtbAction::kKeep); }
    TWITTER                   { return match(PtbAction::kKeep); }
    REDAUX / [^A-Za-z]        { return match(PtbAction::kClosingQuote); }
    SREDAUX / [^A-Za-z]       { return match(PtbAction::kClosingQuote); }
    DATE                      { return match(PtbAction::kKeep); }
    NUMBER                    { return match(PtbAction::kRemoveSoftHyphens); }
    SUBSUPNUM                 { return match(PtbAction::kKeep); }
    FRAC                      { return match(PtbAction::kSpacesToNbsp); }
    FRAC2                     { return match(PtbAction::kFraction); }
    TBSPEC                    { return match(PtbAction::kAmpersand); }
    THING3                    { return match(PtbAction::kKeep); }
    DOLSIGN                   { return match(PtbAction::kKeep); }
    DOLSIGN2                  { return match(PtbAction::kCurrency); }
    ACRONYM / SPACENLS SENTENCE_OPENER SPACENL
                              { return match(PtbAction::kAcronymBeforeSentence); }
    ABBREV3 / SPACENL? jdigit { return match(PtbAction::kKeep); }
    ('p' 't' [eyEY] | 'co') "." / SPACE ('ltd' | 'l' ci_i 'm')
                              { return match(PtbAction::kKeep); }
    ABBREV1 / SENTEND         { return match(PtbAction::kKeepAndRepeatPeriod); }
    ABBREV1 / [^] [^]         { return match(PtbAction::kKeep); }
    ABBREV1                   { return match(PtbAction::kKeepAndRepeatPeriod); }
    ABBREV2                   { return match(PtbAction::kKeep); }
    ABBREV4 / SPACE           { return match(PtbAction::kKeep); }
    ACRO / SPACENL            { return match(PtbAction::kKeep); }
    TBSPEC2 / SPACENL         { return match(PtbAction::kKeep); }
    FILENAME / (SPACENL | [.?!,])
                              { return match(PtbAction::kKeep); }
    WORD "." / INSENTP        { return match(PtbAction::kRemoveSoftHyphens); }
    PHONE                     { return match(PtbAction::kPhone); }
    DBLQUOT / [A-Za-z0-9$]    { return match(PtbAction::kOpeningQuote); }
    DBLQUOT                   { return match(PtbAction::kClosingQuote); }
    "\x7F"                    { return match(PtbAction::kSkip); }
    LESSTHAN                  { return match(PtbAction::kLessThan); }
    GREATERTHAN               { return match(PtbAction::kGreaterThan); }
    SMILEY / [^A-Za-z0-9]     { return match(PtbAction::kParenthesesEscaped); }
    ASIANSMILEY               { return match(PtbAction::kParenthesesEscaped); }
    "{"                       { return match(PtbAction::kLeftBrace); }
    "}"                       { return match(PtbAction::kRightBrace); }
    "["                       { return match(PtbAction::kLeftBracket); }
    "]"                       { return match(PtbAction::kRightBracket); }
    "("                       { return match(PtbAction::kLeftParenthesis); }
    ")"                       { return match(PtbAction::kRightParenthesis); }
    HYPHENS                   { return match(PtbAction::kHyphens); }
    LDOTS                     { return match(PtbAction::kEllipsis); }
    FNMARKS                   { return match(PtbAction::kKeep); }
    ASTS                      { return match(PtbAction::kKeep); }
    INSENTP                   { return match(PtbAction::kKeep); }
    [?!]+                     { return match(PtbAction::kKeep); }
    [.\u00A1\u00BF\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002]
                              { return match(PtbAction::kKeep); }
    "="                       { return match(PtbAction::kKeep); }
    "/"                       { return match(PtbAction::kKeep); }
    HTHING "." / INSENTP      { return match(PtbAction::kRemoveSoftHyphens); }
    HTHING                    { return match(PtbAction::kRemoveSoftHyphens); }
    THING "." / INSENTP       { return match(PtbAction::kKeep); }
    THING                     { return match(PtbAction::kKeep); }
    THINGA "." / INSENTP      { return match(PtbAction::kAmpersand); }
    THINGA                    { return match(PtbAction::kAmpersand); }
    "'" / [A-Za-z] [^ \t\n\r\u00A0]
                              { return match(PtbAction::kOpeningQuote); }
    REDAUX                    { return match(PtbAction::kClosingQuote); }
    SREDAUX                   { return match(PtbAction::kClosingQuote); }
    QUOTES                    { return match(PtbAction::kClosingQuote); }
    FAKEDUCKFEET              { return match(PtbAction::kKeep); }
    MISCSYMBOL                { return match(PtbAction::kKeep); }
    "\x00" | SPACES | [\u200B\u200E\u200F\uFEFF]
                              { return match(PtbAction::kSkip); }
    NEWLINE                   { return match(PtbAction::kNewline); }
    "&" 'nb' ci_s 'p' ";"     { return match(PtbAction::kSkip); }
    [^]                       { return match(PtbAction::kUntokenizable); }
  */
}

}  // namespace captioner::metrics
