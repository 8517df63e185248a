//! The question bank: exam-style questions with feedback and a "show me" link that opens
//! the playground at the step that answers it.

use crate::questions::{bank, Question};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Quiz`].
#[derive(Properties, PartialEq)]
pub struct QuizProps {
    /// Opens a scenario at a step.
    pub on_show: Callback<(AttrValue, usize)>,
}

/// The quiz component.
#[function_component(Quiz)]
pub fn quiz(p: &QuizProps) -> Html {
    let questions = use_memo((), |_| bank());
    let answers = use_state(|| Rc::new(BTreeMap::<usize, usize>::new()));
    let right = answers.iter().filter(|(q, a)| questions.get(**q).is_some_and(|x: &Question| x.answer == **a)).count();
    html! {
        <section class="quiz" aria-label="Question bank">
            <p class="quiz-score" aria-live="polite">{ format!("{} of {} answered, {} right", answers.len(), questions.len(), right) }</p>
            <ol>
                { for questions.iter().enumerate().map(|(i, q)| {
                    let chosen = answers.get(&i).copied();
                    let show = {
                        let cb = p.on_show.clone();
                        let (sc, st) = (AttrValue::from(q.scenario.clone()), q.step);
                        Callback::from(move |_: MouseEvent| cb.emit((sc.clone(), st)))
                    };
                    html! {
                        <li class="question" data-id={q.id.clone()}>
                            <p class="objective">{ &q.objective }</p>
                            <p class="q">{ &q.question }</p>
                            <div class="choices" role="group">
                                { for q.choices.iter().enumerate().map(|(c, text)| {
                                    let a = answers.clone();
                                    let onclick = Callback::from(move |_: MouseEvent| {
                                        let mut m = (**a).clone();
                                        m.entry(i).or_insert(c);
                                        a.set(Rc::new(m));
                                    });
                                    let state = chosen.map(|x| if c == q.answer { "right" } else if x == c { "wrong" } else { "" }).unwrap_or("");
                                    html! { <button class={classes!("choice", state)} data-index={c.to_string()} disabled={chosen.is_some()} {onclick}>{ text }</button> }
                                }) }
                            </div>
                            if let Some(x) = chosen {
                                <p class={classes!("feedback", if x == q.answer { "right" } else { "wrong" })}>{ format!("{} {}", if x == q.answer { "✓ Right." } else { "✗ Not quite." }, q.explanation) }</p>
                            }
                            <button class="show-me" onclick={show}>{ format!("Show me (step {} of {})", q.step, q.scenario) }</button>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
