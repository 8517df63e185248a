//! The question bank, one question at a time: pick a choice; a wrong pick is struck out
//! and the learner may try again or reveal the answer; once over, the right choice stays
//! at full contrast beside the explanation and a "show me" link (offered only then: it
//! would give the answer away) that opens the playground at the step that answers it. The score counts questions right at the first pick. The
//! learner's progress is kept in the browser, so leaving for "show me" loses nothing.

use crate::questions::{parse, Progress, Question};
use std::rc::Rc;
use yew::prelude::*;

/// Storage key of the quiz progress.
const KEY: &str = "mip.quiz.v1";

fn load() -> Progress {
    if !super::IN_BROWSER {
        return Progress::default();
    }
    gloo::utils::window().local_storage().ok().flatten().and_then(|s| s.get_item(KEY).ok().flatten()).map(|t| Progress::decode(&t)).unwrap_or_default()
}

fn save(p: &Progress) {
    if let Some(s) = super::IN_BROWSER.then(|| gloo::utils::window().local_storage().ok().flatten()).flatten() {
        let _ = s.set_item(KEY, &p.encode());
    }
}

/// Props of [`Quiz`].
#[derive(Properties, PartialEq)]
pub struct QuizProps {
    /// Opens a scenario at a step.
    pub on_show: Callback<(AttrValue, usize)>,
}

/// Where the bank comes from: `questions.json` beside the page (Trunk copies
/// `scenarios/questions.json` there; the service worker caches it for offline use).
const BANK_URL: &str = "questions.json";

thread_local! {
    /// The bank once fetched: the tab unmounts the quiz, and opening it again must not
    /// fetch (or flash "Loading") again.
    static BANK: std::cell::RefCell<Option<Rc<Vec<Question>>>> = const { std::cell::RefCell::new(None) };
}

/// The quiz component. The bank is fetched the first time the quiz opens, then kept for the
/// page's life.
#[function_component(Quiz)]
pub fn quiz(p: &QuizProps) -> Html {
    // None: loading; Some(None): the fetch failed; Some(Some(bank)).
    let fetched = use_state(|| BANK.with(|b| b.borrow().clone()).map(Some));
    let progress = use_state(|| Rc::new(load()));
    {
        let fetched = fetched.clone();
        use_effect_with((), move |_| {
            if super::IN_BROWSER && fetched.is_none() {
                super::persist::fetch_text(BANK_URL, move |body| {
                    let bank = body.map(|t| Rc::new(parse(&t)));
                    if let Some(b) = &bank {
                        BANK.with(|slot| *slot.borrow_mut() = Some(b.clone()));
                    }
                    fetched.set(Some(bank));
                });
            }
        });
    }
    let questions = match &*fetched {
        None => return html! { <section class="quiz" aria-busy="true"><p>{ "Loading the questions…" }</p></section> },
        Some(None) => return html! { <section class="quiz"><p class="quiz-error">{ "The questions could not be loaded: this page has not been opened online since it was installed. Connect once and open the quiz again." }</p></section> },
        Some(Some(q)) => q.clone(),
    };
    let total = questions.len();
    let Some(q) = questions.get(progress.current.min(total.saturating_sub(1))) else {
        return html! { <section class="quiz"><p>{ "The question bank is empty." }</p></section> };
    };
    let i = progress.current.min(total - 1);
    // Every change goes through here: update, keep, re-render.
    let update = {
        let progress = progress.clone();
        move |f: Rc<dyn Fn(&mut Progress)>| {
            let progress = progress.clone();
            Callback::from(move |_: MouseEvent| {
                let mut next = (**progress).clone();
                f(&mut next);
                save(&next);
                progress.set(Rc::new(next));
            })
        }
    };
    let attempt = progress.attempt(q);
    let over = attempt.finished();
    let (right, finished) = progress.score(&questions);
    let qc: Rc<Question> = Rc::new(q.clone());
    let show = {
        let cb = p.on_show.clone();
        let (sc, st) = (AttrValue::from(q.scenario.clone()), q.step);
        Callback::from(move |_: MouseEvent| cb.emit((sc.clone(), st)))
    };
    let all_done = finished == total;
    html! {
        <section class="quiz" aria-label="Question bank">
            <p class="quiz-progress">
                <span class="quiz-position">{ format!("Question {} of {total}", i + 1) }</span>
                <span class="quiz-score" aria-live="polite">{ format!("Score: {right} right first time · {finished} of {total} answered") }</span>
            </p>
            <article class="question" data-id={q.id.clone()} aria-labelledby="quiz-q">
                <p class="objective">{ &q.objective }</p>
                <p class="q" id="quiz-q">{ &q.question }</p>
                <div class="choices" role="group" aria-labelledby="quiz-q">
                    { for q.choices.iter().enumerate().map(|(c, text)| {
                        let is_right = c == q.answer;
                        let picked_wrong = attempt.wrong.contains(&c);
                        let state = if over && is_right { "right" } else if picked_wrong { "wrong" } else if over { "dim" } else { "" };
                        let disabled = over || picked_wrong;
                        let qc = qc.clone();
                        let onclick = update(Rc::new(move |pr: &mut Progress| pr.pick(&qc, c)));
                        let mark = match state {
                            "right" => "✓ ",
                            "wrong" => "✗ ",
                            _ => "",
                        };
                        html! {
                            <button class={classes!("choice", state)} data-index={c.to_string()} disabled={disabled} aria-pressed={(picked_wrong || (over && is_right && attempt.solved)).to_string()} {onclick}>
                                if !mark.is_empty() { <span class="choice-mark" aria-hidden="true">{ mark }</span> }
                                { text }
                            </button>
                        }
                    }) }
                </div>
                <div class="feedback-area" aria-live="polite">
                    if over {
                        <p class={classes!("feedback", if attempt.right_first_time() { "right" } else if attempt.solved { "retried" } else { "revealed" })} role="status">
                            <strong>{ if attempt.right_first_time() { "✓ Right. " } else if attempt.solved { "✓ Right on a retry. " } else { "The answer is marked. " } }</strong>
                            { &q.explanation }
                        </p>
                    } else if !attempt.wrong.is_empty() {
                        <p class="feedback wrong" role="status">{ "✗ Not quite. Try another choice, or reveal the answer." }</p>
                    }
                </div>
                <p class="quiz-actions">
                    if !over && !attempt.wrong.is_empty() {
                        <button class="reveal" onclick={{ let qc = qc.clone(); update(Rc::new(move |pr: &mut Progress| pr.reveal(&qc))) }}>{ "Reveal the answer" }</button>
                    }
                    // The step that answers the question would give the answer away before it is over.
                    if over {
                        <button class="show-me" onclick={show}>{ format!("Show me (step {} of {})", q.step, q.scenario) }</button>
                    }
                </p>
            </article>
            <nav class="quiz-nav" aria-label="Questions">
                <button class="prev" disabled={i == 0} onclick={update(Rc::new(move |pr: &mut Progress| pr.go(i.saturating_sub(1), total)))}>{ "← Previous" }</button>
                <button class="next" disabled={i + 1 >= total} onclick={update(Rc::new(move |pr: &mut Progress| pr.go(i + 1, total)))}>{ "Next →" }</button>
            </nav>
            if all_done {
                <section class="quiz-summary" role="status">
                    <p>{ format!("Done: {right} of {total} right first time.") }</p>
                    if right < total {
                        <button class="retry-missed" onclick={{ let qs = questions.clone(); update(Rc::new(move |pr: &mut Progress| pr.retry_missed(&qs))) }}>{ format!("Retry the {} I missed", total - right) }</button>
                    }
                    <button class="start-over" onclick={update(Rc::new(|pr: &mut Progress| *pr = Progress::default()))}>{ "Start over" }</button>
                </section>
            } else if finished > 0 {
                <p class="quiz-restart"><button class="start-over" onclick={update(Rc::new(|pr: &mut Progress| *pr = Progress::default()))}>{ "Start over" }</button></p>
            }
        </section>
    }
}
