import type { CaseDraft } from "./case_provider.ts";

const t = (en: string, es: string) => ({ en, es });

/**
 * The curated dilemmas shipped with Warden (`CASE_PROVIDER=bank`), in English and Spanish, each
 * with the reference verdict and its reasoning. `case-generation` takes the first one not used
 * yet, in order, then starts over with a new round.
 */
export const CASE_BANK: readonly CaseDraft[] = [
  {
    key: "lost-wallet",
    title: t("The lost wallet", "La cartera perdida"),
    body: t(
      "You find a wallet with €300 and an ID, but no phone number. The address is across town.",
      "Encuentras una cartera con 300 € y un DNI, pero sin teléfono. La dirección está al otro lado de la ciudad.",
    ),
    options: [
      { id: "return", label: t("Return it in person", "Devolverla en persona") },
      { id: "police", label: t("Hand it to the police", "Entregarla a la policía") },
      { id: "keep", label: t("Keep the cash, post the ID", "Quedarse el dinero y enviar el DNI") },
    ],
    verdict: "police",
    reasoning: t(
      "The police return it safely and on record; keeping any of it is theft.",
      "La policía la devuelve con garantías y queda constancia; quedarse algo es robar.",
    ),
  },
  {
    key: "exam-answers",
    title: t("The leaked exam", "El examen filtrado"),
    body: t(
      "A classmate sends the whole group tomorrow's exam answers. Nobody has opened them yet.",
      "Un compañero envía al grupo las respuestas del examen de mañana. Nadie las ha abierto aún.",
    ),
    options: [
      { id: "report", label: t("Tell the teacher", "Avisar al profesor") },
      { id: "ignore", label: t("Delete them and stay quiet", "Borrarlas y callar") },
      { id: "use", label: t("Use them", "Usarlas") },
    ],
    verdict: "report",
    reasoning: t(
      "Staying quiet keeps the exam unfair for everyone; the teacher can simply change it.",
      "Callar deja el examen injusto para todos; el profesor puede cambiarlo sin más.",
    ),
  },
  {
    key: "friend-cv",
    title: t("A friend's CV", "El currículum de un amigo"),
    body: t(
      "Your company is hiring. A close friend applies, but you know someone better qualified.",
      "Tu empresa contrata. Un buen amigo se presenta, pero conoces a alguien más preparado.",
    ),
    options: [
      { id: "friend", label: t("Recommend your friend", "Recomendar a tu amigo") },
      { id: "best", label: t("Recommend the better candidate", "Recomendar al mejor candidato") },
      {
        id: "recuse",
        label: t("Declare the friendship and step aside", "Declarar la amistad y apartarse"),
      },
    ],
    verdict: "recuse",
    reasoning: t(
      "A conflict of interest is declared, not resolved alone.",
      "Un conflicto de intereses se declara; no se resuelve a solas.",
    ),
  },
  {
    key: "self-driving",
    title: t("The brake failure", "El fallo de frenos"),
    body: t(
      "Your car's brakes fail. Swerving left hits a wall and hurts you; straight on, a red light is being crossed by a jaywalker.",
      "Fallan los frenos. Girar a la izquierda te estrella contra un muro; de frente, alguien cruza en rojo.",
    ),
    options: [
      { id: "wall", label: t("Swerve into the wall", "Girar hacia el muro") },
      {
        id: "straight",
        label: t("Keep straight and brake with the engine", "Seguir recto frenando con el motor"),
      },
    ],
    verdict: "wall",
    reasoning: t(
      "A risk you can take on yourself comes before one forced on someone else.",
      "Un riesgo que puedes asumir tú va antes que uno impuesto a otra persona.",
    ),
  },
  {
    key: "overcharged",
    title: t("Undercharged", "Te cobran de menos"),
    body: t(
      "At a small family shop you notice you were charged €20 less than the price.",
      "En una tienda familiar notas que te han cobrado 20 € menos del precio.",
    ),
    options: [
      { id: "tell", label: t("Point it out and pay", "Decirlo y pagar") },
      { id: "leave", label: t("Leave: their mistake", "Irse: es su error") },
    ],
    verdict: "tell",
    reasoning: t(
      "Knowing of the mistake makes keeping the money a choice, and a small shop feels it.",
      "Saber del error convierte quedarse el dinero en una decisión, y una tienda pequeña lo nota.",
    ),
  },
  {
    key: "group-credit",
    title: t("Credit for the project", "El mérito del proyecto"),
    body: t(
      "Your manager praises you in public for a project a quieter colleague mostly built.",
      "Tu jefa te felicita en público por un proyecto que hizo casi todo un compañero más callado.",
    ),
    options: [
      { id: "correct", label: t("Correct it there and then", "Corregirlo en el momento") },
      {
        id: "later",
        label: t("Tell the manager privately later", "Decírselo a la jefa en privado"),
      },
      { id: "accept", label: t("Accept the praise", "Aceptar el elogio") },
    ],
    verdict: "correct",
    reasoning: t(
      "Credit given in public is corrected in public; later rarely comes.",
      "El mérito dado en público se corrige en público; el «luego» rara vez llega.",
    ),
  },
  {
    key: "neighbour-noise",
    title: t("The noisy neighbour", "El vecino ruidoso"),
    body: t(
      "Your neighbour's parties keep you up every weekend. They are friendly otherwise.",
      "Las fiestas de tu vecino no te dejan dormir cada fin de semana. Por lo demás es amable.",
    ),
    options: [
      { id: "talk", label: t("Talk to them first", "Hablar con él primero") },
      { id: "complain", label: t("Complain to the building", "Quejarse a la comunidad") },
      { id: "endure", label: t("Put up with it", "Aguantarse") },
    ],
    verdict: "talk",
    reasoning: t(
      "A friendly neighbour deserves the chance to fix it before anyone else hears of it.",
      "Un vecino amable merece poder arreglarlo antes de que nadie más se entere.",
    ),
  },
  {
    key: "secret-bug",
    title: t("The bug nobody saw", "El fallo que nadie vio"),
    body: t(
      "Before a release you find a bug in your own code that could leak users' emails. Fixing it delays the launch a week.",
      "Antes de un lanzamiento encuentras en tu código un fallo que podría filtrar correos de usuarios. Arreglarlo retrasa una semana.",
    ),
    options: [
      { id: "delay", label: t("Report it and delay", "Informar y retrasar") },
      {
        id: "patch",
        label: t("Ship now, patch quietly later", "Lanzar y parchear luego en silencio"),
      },
    ],
    verdict: "delay",
    reasoning: t(
      "Users' data is not yours to gamble with for a date.",
      "Los datos de los usuarios no son tuyos para apostarlos por una fecha.",
    ),
  },
];
